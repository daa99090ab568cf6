import { createTRPCClient, httpLink } from '@trpc/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { FrameSocket } from '../helpers/frames.js';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// `leaderboard.live` and `leaderboard.watchUser` on boards other than `global` and windows
// other than `all`: the snapshot names its window, updates push, the end of the window (the
// clock, or an admin's new season) pushes the next window's snapshot, resuming from an ended
// window sends the current one, and an unknown board or window is refused as reads refuse it.

/** The first season of `ranked`: long begun. */
const S1 = Date.parse('2026-01-01T00:00:00Z');
const BOARDS = {
  boards: [
    { id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] },
    { id: 'ranked', windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }] },
  ],
};

let folder: string;
let file: string;
let server: TestServer | undefined;
const sockets: FrameSocket[] = [];
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-live-windows-'));
  file = join(folder, 'boards.json');
  writeFileSync(file, JSON.stringify(BOARDS));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.close();
  server = undefined;
  vi.useRealTimers();
});

const start = async () => (server = await startTestServer({ ...UNLIMITED, BOARDS_FILE: file }));
const epochOf = (s: TestServer) => s.app.services.leaderboard.epoch;
const iso = (ms: number) => new Date(ms).toISOString();
const dayKey = (ms: number) => `day:${iso(ms).slice(0, 10)}`;
const startOfUtcDay = (ms: number) => ms - (ms % 86_400_000);

const submit = async (board: string, user: string, action: string, score: number) => {
  const answer = await server!.post(
    `/boards/${board}/scores`,
    { user_id: user, action_id: action, new_score: score },
    { authorization: `Bearer ${serviceToken()}` },
  );
  expect(answer.status).toBe(200);
};
const admin = () =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${server!.url}/trpc`,
        headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
      }),
    ],
  }).admin;

/** A socket with one subscription (id 1) to `path`. */
async function subscribe(path: string, input: unknown, lastEventId?: string): Promise<FrameSocket> {
  const socket = await FrameSocket.open(server!.url);
  sockets.push(socket);
  socket.send({ id: 1, method: 'subscription', params: { path, input, lastEventId } });
  return socket;
}
/** The live events of subscription 1: each event's tracked id and its data. */
const events = (socket: FrameSocket) =>
  socket
    .of(1)
    .filter((f) => f.result?.type === 'data')
    .map((f): Record<string, any> => ({ id: f.result.id as string, ...f.result.data.data }));
/** What watchUser (subscription 1) pushed. */
const watched = (socket: FrameSocket) =>
  socket
    .of(1)
    .filter((f) => f.result?.type === 'data')
    .map((f) => f.result.data);

describe('leaderboard.live and watchUser on a day window, with a fake clock', () => {
  it('names the window, pushes updates, pushes the next day at midnight, and resumes across it', async () => {
    // The clock runs (the real time, so PostgreSQL's commit clock agrees) until it is moved.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(now);
    await start();
    await submit('daily', 'alice', 'a1', 50);
    await submit('daily', 'bob', 'b1', 30);

    const today = startOfUtcDay(Date.now());
    const midnight = today + 86_400_000;
    const window = {
      board: 'daily',
      kind: 'day',
      key: dayKey(today),
      start: iso(today),
      end: iso(midnight),
      next_reset: iso(midnight),
    };
    const live = await subscribe('leaderboard.live', { board: 'daily', window: 'day' });
    const watch = await subscribe('leaderboard.watchUser', {
      user_id: 'alice',
      board: 'daily',
      window: 'day',
    });
    await live.until((s) => events(s).length === 1, 'the first snapshot');
    const [first] = events(live);
    expect(first).toEqual({
      id: `${epochOf(server!)}:${first!.version}@${dayKey(today)}`,
      version: first!.version,
      window,
      entries: [
        { rank: 1, user_id: 'alice', score: 50 },
        { rank: 2, user_id: 'bob', score: 30 },
      ],
    });
    await watch.until((s) => watched(s).length === 1, "alice's place");
    expect(watched(watch)).toEqual([{ user_id: 'alice', score: 50, rank: 1 }]);

    // An update pushes, to live at once and to watchUser within its second.
    await submit('daily', 'bob', 'b2', 80);
    await live.until((s) => events(s).length === 2, 'the update');
    expect(events(live)[1]).toMatchObject({
      window,
      entries: [
        { rank: 1, user_id: 'bob', score: 80 },
        { rank: 2, user_id: 'alice', score: 50 },
      ],
    });
    expect(events(live)[1]!.version).toBeGreaterThan(first!.version);
    await watch.until((s) => watched(s).length === 2, "alice's new rank");
    expect(watched(watch)[1]).toEqual({ user_id: 'alice', score: 50, rank: 2 });
    // A board nobody writes to is not pushed: global's writes leave the day board alone.
    expect((await server!.setScore('carol', 'c1', 5)).status).toBe(200);

    // The clock moves to just before midnight. A subscriber that resumes from the last event
    // (nothing new for it yet) also sets the board's timer to the new end of the window.
    const lastId = events(live)[1]!.id;
    vi.setSystemTime(midnight - 300);
    const resumed = await subscribe('leaderboard.live', { board: 'daily', window: 'day' }, lastId);
    await resumed.until((s) => s.of(1).length === 1, 'started');

    const nextWindow = {
      board: 'daily',
      kind: 'day',
      key: dayKey(midnight),
      start: iso(midnight),
      end: iso(midnight + 86_400_000),
      next_reset: iso(midnight + 86_400_000),
    };
    await live.until((s) => events(s).length === 3, 'the next day');
    const reset = events(live)[2]!;
    expect(reset).toEqual({
      id: `${epochOf(server!)}:${reset.version}@${dayKey(midnight)}`,
      version: reset.version,
      window: nextWindow,
      entries: [],
    });
    await resumed.until((s) => events(s).length === 1, 'the next day, resumed');
    expect(events(resumed)).toEqual([reset]);
    await watch.until((s) => watched(s).length === 3, "alice's place in the new day");
    expect(watched(watch)[2]).toEqual({ user_id: 'alice', score: null, rank: null });

    // Resuming with an id of the day that ended sends the current day's snapshot; so does an
    // id without a window (`<epoch>:<version>` names `all`).
    for (const id of [lastId, `${epochOf(server!)}:${reset.version}`]) {
      const late = await subscribe('leaderboard.live', { board: 'daily', window: 'day' }, id);
      await late.until((s) => events(s).length === 1, 'the current snapshot');
      expect(events(late)).toEqual([reset]);
    }
    // The day board is dropped when its last subscriber leaves; global's stays.
    for (const socket of sockets.splice(0)) socket.close();
    const { liveBoards } = server!.app.services;
    await live.until(() => liveBoards.size === 1, 'the day board to be dropped');
  });
});

describe('leaderboard.live and watchUser on a season window', () => {
  it("pushes an admin's new season (empty) to live and nulls to watchUser, then its updates", async () => {
    await start();
    await submit('ranked', 'alice', 'a1', 40);
    const live = await subscribe('leaderboard.live', { board: 'ranked', window: 'season', limit: 5 });
    const watch = await subscribe('leaderboard.watchUser', {
      user_id: 'alice',
      board: 'ranked',
      window: 'season',
    });
    await live.until((s) => events(s).length === 1, 'the first snapshot');
    expect(events(live)[0]).toMatchObject({
      window: {
        board: 'ranked',
        kind: 'season',
        key: 'season:1',
        start: iso(S1),
        end: null,
        next_reset: null,
      },
      entries: [{ rank: 1, user_id: 'alice', score: 40 }],
    });
    expect(events(live)[0]!.id).toBe(`${epochOf(server!)}:${events(live)[0]!.version}@season:1`);
    await watch.until((s) => watched(s).length === 1, "alice's place");

    // An admin sets alice's score: watchUser hears it.
    await admin().setScore.mutate({ board: 'ranked', user_id: 'alice', score: 45, reason: 'appeal' });
    await watch.until((s) => watched(s).length === 2, 'the score an admin set');
    expect(watched(watch)[1]).toEqual({ user_id: 'alice', score: 45, rank: 1 });
    await live.until((s) => events(s).length === 2, 'the score an admin set, live');

    const started = await admin().startSeason.mutate({ board: 'ranked', reason: 'spring' });
    expect(started.season).toBe(2);
    await live.until((s) => events(s).length === 3, 'the new season');
    const season2 = events(live)[2]!;
    expect(season2).toEqual({
      id: `${epochOf(server!)}:${season2.version}@season:2`,
      version: season2.version,
      window: {
        board: 'ranked',
        kind: 'season',
        key: 'season:2',
        start: iso(Date.parse(started.started_at)),
        end: null,
        next_reset: null,
      },
      entries: [],
    });
    await watch.until((s) => watched(s).length === 3, 'nulls in the new season');
    expect(watched(watch)[2]).toEqual({ user_id: 'alice', score: null, rank: null });

    await submit('ranked', 'alice', 'a2', 60); // a total (45 as the admin set it): 15 points gained in season 2
    await live.until((s) => events(s).length === 4, 'an update in the new season');
    expect(events(live)[3]!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 15 }]);
    expect(events(live)[3]!.version).toBeGreaterThan(season2.version);
    await watch.until((s) => watched(s).length === 4, "alice's first score of the season");
    expect(watched(watch)[3]).toEqual({ user_id: 'alice', score: 15, rank: 1 });
  });
});

describe('leaderboard.live and watchUser refuse what reads refuse', () => {
  it('an unknown board is NOT_FOUND and a window the board does not keep is BAD_REQUEST', async () => {
    await start();
    const cases: Array<[string, Record<string, unknown>, string, number, string]> = [
      ['leaderboard.live', { board: 'nope' }, 'NOT_FOUND', 404, 'No board "nope"'],
      [
        'leaderboard.live',
        { board: 'daily', window: 'week' },
        'BAD_REQUEST',
        400,
        'window: board "daily" keeps no week window (it keeps all, day)',
      ],
      ['leaderboard.watchUser', { user_id: 'alice', board: 'nope' }, 'NOT_FOUND', 404, 'No board "nope"'],
      [
        'leaderboard.watchUser',
        { user_id: 'alice', window: 'season' },
        'BAD_REQUEST',
        400,
        'window: board "global" keeps no season window (it keeps all)',
      ],
    ];
    for (const [path, input, code, httpStatus, message] of cases) {
      const socket = await subscribe(path, input);
      await socket.until((s) => s.of(1).length === 1, `the refusal of ${JSON.stringify(input)}`);
      expect(socket.of(1)[0].error).toMatchObject({ message, data: { code, httpStatus, path } });
      // The same message a read of that board and window answers.
      const read = await fetch(
        `${server!.url}/boards/${String(input.board ?? 'global')}/leaderboard${input.window ? `?window=${String(input.window)}` : ''}`,
      );
      expect(((await read.json()) as { message: string }).message).toBe(message);
    }
    expect(server!.app.services.liveBoards.size).toBe(1);
  });
});
