import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createScoreboardClient,
  isLiveConnectionError,
  isScoreboardError,
  TRPCClientError,
  type ConnectionState,
  type LeaderboardSnapshot,
  type ScoreboardClient,
  type ScoreboardClientOptions,
} from '../../client-sdk/src/index.js';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

let server: TestServer | undefined;
const clients: ScoreboardClient[] = [];
const later: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
  for (const cleanup of later.splice(0)) await cleanup();
});

const connect = <Board extends string = string>(options: Partial<ScoreboardClientOptions> = {}) => {
  const client = createScoreboardClient<Board>({ url: server!.url, WebSocket, ...options });
  clients.push(client);
  return client;
};

const set = (user: string, action: string, score: number) =>
  server!.post(
    '/update-score',
    { user_id: user, action_id: action, new_score: score },
    { authorization: `Bearer ${serviceToken()}` },
  );

/** The error a call was rejected with. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('the call should have been refused'),
    (error: unknown) => error,
  );

describe('createScoreboardClient: queries and mutations', () => {
  it('updates a score with the token from getToken, asking for it on every request', async () => {
    server = await startTestServer();
    const getToken = vi.fn(() => tokenFor('alice'));
    const client = connect({ getToken });
    expect(await client.scores.update.mutate({ user_id: 'alice', action_id: 'a1', new_score: 40 })).toEqual({
      user_id: 'alice',
      score: 40,
      previous_score: 0,
      rank: 1,
      applied: true,
    });
    expect(await client.scores.update.mutate({ user_id: 'alice', action_id: 'a2', new_score: 55 })).toEqual({
      user_id: 'alice',
      score: 55,
      previous_score: 40,
      rank: 1,
      applied: true,
    });
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(await client.leaderboard.top.query({ limit: 5 })).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [{ rank: 1, user_id: 'alice', score: 55 }],
      next_cursor: null,
    });
  });

  it('accepts an async getToken and a base URL with a trailing slash', async () => {
    server = await startTestServer();
    const client = createScoreboardClient({ url: `${server.url}/`, getToken: async () => tokenFor('bob') });
    clients.push(client);
    const result = await client.scores.update.mutate({ user_id: 'bob', action_id: 'b1', new_score: 7 });
    expect(result.score).toBe(7);
  });

  it('surfaces a missing token as a TRPCClientError with code UNAUTHORIZED', async () => {
    server = await startTestServer();
    const error = await rejection(
      connect().scores.update.mutate({ user_id: 'alice', action_id: 'a1', new_score: 1 }),
    );
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(isScoreboardError(error)).toBe(true);
    if (!isScoreboardError(error)) return;
    expect(error.data?.code).toBe('UNAUTHORIZED');
    expect(error.data?.httpStatus).toBe(401);
    expect(error.message).toBe('Unauthorized access. Invalid or missing authentication token');
  });

  it('prints a refusal in a few lines, and keeps every field readable', async () => {
    server = await startTestServer();
    const error = await rejection(
      connect().scores.update.mutate({ user_id: 'alice', action_id: 'a1', new_score: 1 }),
    );
    if (!isScoreboardError(error)) return expect.unreachable('a TRPCClientError');
    // Printed in full, `meta` (the whole fetch Response) and `shape` took about a hundred lines.
    const printed = inspect(error);
    expect(printed.split('\n').length, printed).toBeLessThan(12);
    expect(printed).toMatch(
      /^TRPCClientError: Unauthorized access\. Invalid or missing authentication token\n/,
    );
    expect(printed).toContain("data: { code: 'UNAUTHORIZED', httpStatus: 401, path: 'scores.update' }");
    expect(printed).not.toContain('responseJSON');
    expect(printed).not.toContain('Response {');
    expect(error.shape?.data.code).toBe('UNAUTHORIZED');
    expect((error.meta?.response as Response).status).toBe(401);
    expect(error.data?.httpStatus).toBe(401);
  });

  it('surfaces other refusals with their precise code', async () => {
    server = await startTestServer();
    const asMallory = connect({ getToken: () => tokenFor('mallory') });
    const forbidden = await rejection(
      asMallory.scores.update.mutate({ user_id: 'alice', action_id: 'm1', new_score: 1 }),
    );
    expect(isScoreboardError(forbidden) && forbidden.data?.code).toBe('FORBIDDEN');
    const invalid = await rejection(asMallory.leaderboard.top.query({ limit: 0 }));
    expect(isScoreboardError(invalid) && invalid.data?.code).toBe('BAD_REQUEST');
    expect(isScoreboardError(new Error('plain'))).toBe(false);
  });

  it('works over HTTP without any WebSocket class, and says so when asked to subscribe', async () => {
    server = await startTestServer();
    vi.stubGlobal('WebSocket', undefined);
    const client = createScoreboardClient({ url: server.url });
    clients.push(client);
    expect(await client.leaderboard.top.query()).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [],
      next_cursor: null,
    });
    const error = await new Promise<unknown>((resolve) => {
      client.watchLeaderboard({}, () => resolve(new Error('unexpected snapshot')), resolve);
    });
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as Error).message).toMatch(/No WebSocket available/);
  });
});

describe('watchLeaderboard', () => {
  it('delivers the current snapshot, then each update, and nothing after unsubscribing', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 50);
    const states: ConnectionState[] = [];
    const client = connect({ onConnectionStateChange: (state) => states.push(state) });

    const seen: LeaderboardSnapshot[] = [];
    const stop = client.watchLeaderboard({ limit: 5 }, (snapshot) => seen.push(snapshot));
    // A second watcher stays subscribed: once it has an update, the first would have too.
    const witness: LeaderboardSnapshot[] = [];
    client.watchLeaderboard({ limit: 5 }, (snapshot) => witness.push(snapshot));

    await until(() => seen.length === 1, 'the first snapshot');
    expect(seen[0]!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]);
    expect(states).toEqual(['connecting', 'live']);

    await set('bob', 'b1', 70);
    await until(() => seen.length === 2, 'the update');
    expect(seen[1]!.entries).toEqual([
      { rank: 1, user_id: 'bob', score: 70 },
      { rank: 2, user_id: 'alice', score: 50 },
    ]);
    expect(seen[1]!.version).toBeGreaterThan(seen[0]!.version);

    stop();
    await set('carol', 'c1', 90);
    await until(() => witness.at(-1)?.entries[0]?.user_id === 'carol', 'the witness to see carol');
    expect(seen).toHaveLength(2);

    await client.close();
    expect(states.at(-1)).toBe('idle');
  });

  it('honours the limit', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 50);
    await set('bob', 'b1', 40);
    const seen: LeaderboardSnapshot[] = [];
    connect().watchLeaderboard({ limit: 1 }, (snapshot) => seen.push(snapshot));
    await until(() => seen.length === 1, 'the first snapshot');
    expect(seen[0]!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]);
  });

  it('reconnects after a server restart, asking for a fresh token, and resumes without going back', async () => {
    server = await startTestServer({ SHUTDOWN_GRACE_MS: '50' });
    const port = new URL(server.url).port;
    await set('alice', 'a1', 10);
    const states: ConnectionState[] = [];
    let tokensIssued = 0;
    const client = connect({
      getToken: () => tokenFor('alice', { payload: { n: ++tokensIssued } }),
      onConnectionStateChange: (state) => states.push(state),
    });
    const seen: LeaderboardSnapshot[] = [];
    const errors: unknown[] = [];
    client.watchLeaderboard(
      {},
      (snapshot) => seen.push(snapshot),
      (error) => errors.push(error),
    );
    await until(() => seen.length === 1 && states.at(-1) === 'live', 'the first snapshot');
    const tokensBefore = tokensIssued;
    expect(tokensBefore).toBe(1);

    const first = server;
    later.push(() => first.close()); // owns the data folder: removes it after the restarted server
    await first.app.close();
    await until(() => states.includes('reconnecting'), 'the client to notice');
    server = await startTestServer({ PORT: port, SHUTDOWN_GRACE_MS: '50' }, first.dir);
    await until(() => states.at(-1) === 'live', 'the client to reconnect');
    expect(tokensIssued).toBeGreaterThan(tokensBefore);

    await set('bob', 'b1', 20);
    await until(() => seen.at(-1)?.entries[0]?.user_id === 'bob', 'the update after the restart');
    expect(seen.at(-1)!.entries.map((e) => e.user_id)).toEqual(['bob', 'alice']);
    const versions = seen.map((s) => s.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    // At most "the server is unreachable" while it was down: the subscription itself never failed.
    expect(errors.filter((error) => !isLiveConnectionError(error))).toEqual([]);
  });
});

describe('depth helpers', () => {
  it('answers rankOf, around and every entry page by page, with null for a user with no score', async () => {
    server = await startTestServer();
    for (let i = 0; i < 12; i++) await set(`d${i}`, `d${i}`, (i % 4) * 10);
    const client = connect();
    const all = [];
    for await (const entry of client.allEntries({ limit: 5 })) all.push(entry);
    expect(all.map((e) => e.rank)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(all.slice(0, 3).map((e) => e.user_id)).toEqual(['d3', 'd7', 'd11']);
    expect(await client.rankOf('d7')).toEqual({
      window: GLOBAL_ALL_WINDOW,
      user_id: 'd7',
      score: 30,
      rank: 2,
    });
    expect(await client.rankOf('nobody')).toBeNull();
    expect((await client.around('d7', 1))?.map((e) => e.user_id)).toEqual(['d3', 'd7', 'd11']);
    expect(await client.around('nobody')).toBeNull();
  });

  it('reads the board and window named, and tells an unknown board or window from a user with no score', async () => {
    server = await startTestServer();
    for (let i = 0; i < 6; i++) await set(`w${i}`, `w${i}`, i * 10);
    const client = connect<'global' | 'time-trial'>();
    const where = { board: 'global', window: 'all', at: 'current' } as const;
    expect(await client.rankOf('w4', where)).toEqual({
      window: GLOBAL_ALL_WINDOW,
      user_id: 'w4',
      score: 40,
      rank: 2,
    });
    expect(await client.rankOf('nobody', where)).toBeNull();
    expect(await client.around('w4', 1, where)).toEqual([
      { rank: 1, user_id: 'w5', score: 50 },
      { rank: 2, user_id: 'w4', score: 40 },
      { rank: 3, user_id: 'w3', score: 30 },
    ]);
    expect(await client.ofUsers(['w0', 'nobody', 'w5', 'w0'], where)).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [
        { rank: 1, user_id: 'w5', score: 50 },
        { rank: 6, user_id: 'w0', score: 0 },
      ],
    });
    const all = [];
    for await (const entry of client.allEntries({ limit: 4, ...where })) all.push(entry.user_id);
    expect(all).toEqual(['w5', 'w4', 'w3', 'w2', 'w1', 'w0']);

    // Not "no score": the board or the window is wrong, and the helpers say so.
    const unknown = await rejection(client.rankOf('w4', { board: 'time-trial' }));
    expect(isScoreboardError(unknown) && [unknown.data?.code, unknown.message]).toEqual([
      'NOT_FOUND',
      'No board "time-trial"',
    ]);
    const weekly = await rejection(client.around('w4', 1, { window: 'week' }));
    expect(isScoreboardError(weekly) && [weekly.data?.code, weekly.message]).toEqual([
      'BAD_REQUEST',
      'window: board "global" keeps no week window (it keeps all)',
    ]);
    const tooMany = await rejection(client.ofUsers(Array.from({ length: 101 }, (_, i) => `u${i}`)));
    expect(isScoreboardError(tooMany) && tooMany.message).toBe('ids: name at most 100 users');
  });

  it('lists the boards with boards(): each with its current windows', async () => {
    server = await startTestServer();
    expect(await connect().boards()).toEqual([
      {
        id: 'global',
        title: 'global',
        order: 'desc',
        operator: 'total',
        windows: [{ kind: 'all', key: 'all', start: null, end: null, next_reset: null }],
      },
    ]);
  });

  it('makes a wrong board, window or date a type error (checked by tsc)', () => {
    const client = createScoreboardClient<'global' | 'time-trial'>({ url: 'http://127.0.0.1:1' });
    const typesOnly = () => {
      // @ts-expect-error there is no yearly window
      void client.rankOf('alice', { window: 'year' });
      // @ts-expect-error this client's game has no such board
      void client.around('alice', 1, { board: 'elsewhere' });
      // @ts-expect-error a date is YYYY-MM-DD
      void client.allEntries({ at: 'yesterday' });
      // @ts-expect-error the procedures know the window kinds too
      void client.leaderboard.top.query({ window: 'hour' });
      void client.ofUsers(['alice'], { board: 'time-trial', window: 'day', at: '2026-03-28' });
      // @ts-expect-error live helpers follow the window in force: no `at`
      client.watchLeaderboard({ board: 'time-trial', at: 'previous' }, () => {});
      // @ts-expect-error this client's game has no such board
      client.watchUser('alice', () => {}, undefined, { board: 'elsewhere' });
      client.watchLeaderboard({ board: 'time-trial', window: 'day', limit: 3 }, (s) => s.window.key);
    };
    expect(typeof typesOnly).toBe('function');
  });

  it("watchUser delivers the user's place now, then when it changes", async () => {
    server = await startTestServer();
    await set('leader', 'l1', 100);
    const client = connect();
    const places: Array<{ score: number | null; rank: number | null }> = [];
    const stop = client.watchUser('me', (place) => places.push(place));
    await until(() => places.length === 1, 'the first place');
    expect(places[0]).toEqual({ user_id: 'me', score: null, rank: null });
    await set('me', 'm1', 50);
    await until(() => places.length === 2, 'the change');
    expect(places[1]).toEqual({ user_id: 'me', score: 50, rank: 2 });
    stop();
  });
});

describe('live helpers on another board and window', () => {
  it('watchLeaderboard and watchUser take {board, window}; the snapshot names its window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-sdk-boards-'));
    later.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'boards.json');
    writeFileSync(
      file,
      JSON.stringify({ boards: [{ id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] }] }),
    );
    server = await startTestServer({ BOARDS_FILE: file });
    const post = (user: string, action: string, score: number) =>
      server!.post(
        '/boards/daily/scores',
        { user_id: user, action_id: action, new_score: score },
        { authorization: `Bearer ${serviceToken()}` },
      );
    await post('alice', 'a1', 50);
    const client = connect<'global' | 'daily'>();
    const seen: LeaderboardSnapshot[] = [];
    client.watchLeaderboard({ board: 'daily', window: 'day', limit: 2 }, (snapshot) => seen.push(snapshot));
    const places: Array<{ score: number | null; rank: number | null }> = [];
    client.watchUser('alice', (place) => places.push(place), undefined, { board: 'daily', window: 'day' });
    await until(() => seen.length === 1 && places.length === 1, 'the first snapshot and place');
    const today = new Date().toISOString().slice(0, 10);
    expect(seen[0]!.window).toMatchObject({ board: 'daily', kind: 'day', key: `day:${today}` });
    expect(seen[0]!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]);
    expect(places[0]).toEqual({ user_id: 'alice', score: 50, rank: 1 });
    await post('bob', 'b1', 70);
    await until(() => seen.length === 2 && places.length === 2, 'the update');
    expect(seen[1]!.entries).toEqual([
      { rank: 1, user_id: 'bob', score: 70 },
      { rank: 2, user_id: 'alice', score: 50 },
    ]);
    expect(places[1]).toEqual({ user_id: 'alice', score: 50, rank: 2 });

    const refused = await new Promise<unknown>((resolve) =>
      client.watchLeaderboard({ board: 'daily', window: 'week' }, () => resolve('a snapshot'), resolve),
    );
    expect(isScoreboardError(refused) && [refused.data?.code, refused.message]).toEqual([
      'BAD_REQUEST',
      'window: board "daily" keeps no week window (it keeps all, day)',
    ]);
  });
});

describe('many calls at once over the live connection', () => {
  it('splits what tRPC packs into one message so that no message passes the server batch cap', async () => {
    server = await startTestServer({ TRPC_MAX_BATCH: '10', WS_MAX_SUBSCRIPTIONS: '16' });
    await set('alice', 'a1', 5);
    const client = connect();
    const firsts = Array.from(
      { length: 14 },
      () =>
        new Promise<LeaderboardSnapshot>((resolve, reject) => {
          client.watchLeaderboard({ limit: 3 }, resolve, reject);
        }),
    );
    const snapshots = await Promise.all(firsts);
    expect(snapshots.map((s) => s.entries)).toEqual(
      Array.from({ length: 14 }, () => [{ rank: 1, user_id: 'alice', score: 5 }]),
    );
  });
});

describe("calls: 'websocket'", () => {
  it('sends queries and mutations over the live connection, not over HTTP', async () => {
    server = await startTestServer();
    const fetches = vi.fn(globalThis.fetch);
    vi.stubGlobal('fetch', fetches);
    const client = connect({ calls: 'websocket', getToken: () => serviceToken() });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.scores.update.mutate({ user_id: `w${i}`, action_id: `w${i}`, new_score: i + 1 }),
      ),
    );
    expect(answers.every((a) => a.applied)).toBe(true);
    expect((await client.leaderboard.top.query({ limit: 1 })).entries).toEqual([
      { rank: 1, user_id: 'w39', score: 40 },
    ]);
    expect(fetches).not.toHaveBeenCalled();
    expect(server.query('select count(*) as n from score_ledger')).toEqual([{ n: 40 }]);
  });

  it('sends a call again over HTTP with a fresh token when the socket token has expired, and reopens the socket', async () => {
    server = await startTestServer();
    // Valid while the socket opens and the first call is made, however busy the machine.
    let token = tokenFor('alice', { expiresIn: 5 });
    const client = connect({ calls: 'websocket', getToken: () => token });
    expect(
      (await client.scores.update.mutate({ user_id: 'alice', action_id: 'x1', new_score: 1 })).applied,
    ).toBe(true);
    const sockets = () => [...server!.app.sockets.wss.clients];
    const [first] = sockets();
    expect(sockets()).toEqual([first]);
    // The socket's token expires; the next token is fresh.
    await server.untilTokenExpired(token);
    token = tokenFor('alice');
    expect(
      (await client.scores.update.mutate({ user_id: 'alice', action_id: 'x2', new_score: 2 })).applied,
    ).toBe(true);
    await until(() => sockets().length === 1 && sockets()[0] !== first, 'the socket to be replaced');
    expect(
      (await client.scores.update.mutate({ user_id: 'alice', action_id: 'x3', new_score: 3 })).applied,
    ).toBe(true);
    expect(server.query('select action_id from score_ledger order by id')).toEqual([
      { action_id: 'x1' },
      { action_id: 'x2' },
      { action_id: 'x3' },
    ]);
    // The socket refused the expired token once; the call went again over HTTP.
    await server.flushAudit();
    expect(server.query('select kind, subject, count from security_events')).toEqual([
      { kind: 'unauthorized', subject: 'alice', count: 1 },
    ]);
  });
});
