import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameSocket } from '../helpers/frames.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// Two servers with the same configuration: one serves subscriptions by hand (one id registry,
// live as shared frames), the other through tRPC's own WebSocket handler. Generated sequences
// of frames (subscriptions of every procedure with odd inputs and ids, lastEventId beside or
// inside the input, stops, queries, batches, invalid requests) go to a socket on each; the
// frames each server sends back for each request id must be the same, in the same order.

type Message = Record<string, unknown> | string;
const MAX_BATCH = 4;
type Frame = Message | Message[];

const ID = fc.oneof(
  fc.constantFrom<unknown>(1, 2, 3, 'a', 'b'),
  fc.constantFrom<unknown>(null, undefined, [[1]], 1.5, '', { x: 1 }),
);
// Queries answer on tRPC's side and subscriptions on ours: two requests that share an id may be
// answered in either order, so queries take ids of their own (or invalid ones).
const QUERY_ID = fc.constantFrom<unknown>('q1', 'q2', 11, null, undefined, [[1]]);
const LIVE_INPUT = fc.constantFrom<unknown>(
  undefined,
  {},
  { limit: 1 },
  { limit: 3 },
  { limit: 0 },
  { limit: 'x' },
  { other: 1 },
  { lastEventId: 'EPOCH:2' },
  { lastEventId: 'deadbeef:1' },
  { lastEventId: 'not an id' },
  5,
  null,
  // Another board and window; an unknown board, a window the board does not keep, not a slug.
  { board: 'daily', window: 'day' },
  { board: 'daily', window: 'day', limit: 1 },
  { board: 'daily', window: 'day', lastEventId: 'EPOCH:6@TODAY' },
  { board: 'daily', window: 'day', lastEventId: 'EPOCH:6@day:2020-01-01' },
  { board: 'daily' },
  { board: 'global', window: 'all' },
  { board: 'nope' },
  { board: 'daily', window: 'week' },
  { board: 'Not A Slug' },
  { window: 'forever' },
);
const LAST_EVENT_ID = fc.constantFrom(
  undefined,
  'EPOCH:0',
  'EPOCH:2',
  'EPOCH:3',
  'deadbeef:3',
  '7',
  'EPOCH:3@all',
  'EPOCH:5@TODAY',
  'EPOCH:3@day:2020-01-01',
  'EPOCH:3@week:x',
);
const USER_INPUT = fc.constantFrom<unknown>(
  { user_id: 'u1' },
  { user_id: 'nobody' },
  { user_id: '' },
  {},
  'u1',
  { user_id: 'd1', board: 'daily', window: 'day' },
  { user_id: 'u1', board: 'nope' },
  { user_id: 'u1', board: 'daily', window: 'month' },
);

const message: fc.Arbitrary<Message> = fc.oneof(
  fc
    .record({
      id: ID,
      input: LIVE_INPUT,
      lastEventId: LAST_EVENT_ID,
      jsonrpc: fc.constantFrom(undefined, '2.0'),
    })
    .map(({ id, input, lastEventId, jsonrpc }) => ({
      id,
      jsonrpc,
      method: 'subscription',
      params: { path: 'leaderboard.live', input, lastEventId },
    })),
  fc.record({ id: ID, input: USER_INPUT }).map(({ id, input }) => ({
    id,
    method: 'subscription',
    params: { path: 'leaderboard.watchUser', input },
  })),
  fc
    .record({ id: ID, path: fc.constantFrom('leaderboard.nope', 'leaderboard.top', 'constructor') })
    .map(({ id, path }) => ({
      id,
      method: 'subscription',
      params: { path },
    })),
  ID.map((id) => ({ id, method: 'subscription.stop' })),
  fc
    .record({
      id: QUERY_ID,
      path: fc.constantFrom('leaderboard.top', 'leaderboard.live', 'leaderboard.rank'),
    })
    .map(({ id, path }) => ({
      id,
      method: 'query',
      params: { path, input: path === 'leaderboard.rank' ? { user_id: 'u1' } : { limit: 2 } },
    })),
  fc.constantFrom<Message>('PING', '{"id":', '[]', '{}', 'null'),
);
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 3, arbitrary: message },
  {
    weight: 1,
    arbitrary: fc.array(
      message.filter((m) => typeof m !== 'string'),
      { minLength: 1, maxLength: 5 },
    ),
  },
);
const sequence = fc.record({
  frames: fc.array(frame, { minLength: 1, maxLength: 8 }),
  token: fc.constantFrom(undefined, serviceToken(), tokenFor('u1'), 'not.a.token'),
});

/** The key of today's window of the board `daily` (a day in UTC). */
const TODAY = `day:${new Date().toISOString().slice(0, 10)}`;

/** The frame as text for one server: `EPOCH` becomes that server's epoch, `TODAY` today's window key. */
function encode(frame: Frame, epoch: string): string {
  return typeof frame === 'string'
    ? frame
    : JSON.stringify(frame).replaceAll('EPOCH', epoch).replaceAll('TODAY', TODAY);
}

/** Frames by request id (text frames under their text), event ids with the epoch taken out. */
function byId(socket: FrameSocket, epoch: string): Map<string, unknown[]> {
  const grouped = new Map<string, unknown[]>();
  for (const received of socket.frames) {
    const key = typeof received === 'string' ? received : JSON.stringify(received.id ?? null);
    const text = JSON.stringify(received).replaceAll(epoch, 'EPOCH');
    grouped.set(key, [...(grouped.get(key) ?? []), JSON.parse(text)]);
  }
  return grouped;
}

const METHODS = ['query', 'mutation', 'subscription', 'subscription.stop'];
const isRequestId = (id: unknown) => typeof id === 'string' || (typeof id === 'number' && !Number.isNaN(id));

/**
 * The ids of the subscriptions of `frames` that must be answered: those of frames that are
 * valid requests throughout (a frame with an invalid element is refused whole, with id null).
 */
function subscriptionIds(frames: Frame[], maxBatch: number): string[] {
  return frames.flatMap((each) => {
    if (typeof each === 'string') return [];
    const messages = Array.isArray(each) ? each : [each];
    const valid =
      messages.length <= maxBatch &&
      messages.every(
        (m) =>
          typeof m === 'object' &&
          (isRequestId(m.id) || m.id === null) &&
          METHODS.includes(m.method as string) &&
          (m.method === 'subscription.stop' || typeof (m.params as { path?: unknown })?.path === 'string'),
      );
    if (!valid) return [];
    return messages.flatMap((m) =>
      typeof m === 'object' && m.method === 'subscription' && isRequestId(m.id) ? [JSON.stringify(m.id)] : [],
    );
  });
}

/** How many frames answer request `id` (JSON text). */
const framesOf = (socket: FrameSocket, id: string) =>
  socket.frames.filter((f) => typeof f === 'object' && f !== null && JSON.stringify(f.id) === id).length;

/**
 * Every subscription was answered, every one that started has ended (stopped or failed), and
 * the closing query came back.
 */
function settled(socket: FrameSocket, expected: readonly string[]): boolean {
  if (socket.of('end').length === 0) return false;
  const answered = new Set(
    socket.frames.map((f) => (typeof f === 'object' && f !== null ? JSON.stringify(f.id) : '')),
  );
  if (expected.some((id) => !answered.has(id))) return false;
  const open = new Map<string, number>();
  for (const received of socket.frames) {
    if (typeof received !== 'object' || received === null) continue;
    const key = JSON.stringify(received.id);
    if (received.result?.type === 'started') open.set(key, (open.get(key) ?? 0) + 1);
    if (received.result?.type === 'stopped' || received.error) open.set(key, (open.get(key) ?? 0) - 1);
  }
  return [...open.values()].every((count) => count <= 0);
}

async function play(
  server: TestServer,
  frames: Frame[],
  token: string | undefined,
  headers?: Record<string, string>,
): Promise<FrameSocket> {
  const epoch = server.app.services.leaderboard.epoch;
  const socket = await FrameSocket.open(server.url, token === undefined ? undefined : { token }, headers);
  // Each frame's subscriptions are answered before the next frame goes: when a stop or a budget
  // meets a subscription still being admitted is a race on either server, not a difference.
  const sent = new Map<string, number>();
  for (const each of frames) {
    socket.send(encode(each, epoch));
    for (const id of subscriptionIds([each], MAX_BATCH)) sent.set(id, (sent.get(id) ?? 0) + 1);
    await socket
      .until((s) => [...sent].every(([id, count]) => framesOf(s, id) >= count), 'the frame to be answered')
      .catch(() => undefined);
  }
  // Stop whatever may be running, then a query whose answer closes the sequence.
  const ids = new Set(
    frames
      .flatMap((each) => (Array.isArray(each) ? each : [each]))
      .map((m) => (typeof m === 'string' ? undefined : m.id)),
  );
  for (const id of ids) socket.send({ id: id ?? null, method: 'subscription.stop' });
  socket.send({ id: 'end', method: 'query', params: { path: 'leaderboard.top', input: { limit: 1 } } });
  const expected = subscriptionIds(frames, MAX_BATCH);
  await socket.until((s) => settled(s, expected), 'the sequence to settle').catch(() => undefined);
  socket.close();
  return socket;
}

/** A board besides `global`, with a day window, for both servers of a pair. */
const folder = mkdtempSync(join(tmpdir(), 'scoreboard-differential-'));
const BOARDS_FILE = join(folder, 'boards.json');
writeFileSync(
  BOARDS_FILE,
  JSON.stringify({ boards: [{ id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] }] }),
);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Sets a score on the board `daily` with a service token. */
async function setDaily(server: TestServer, user: string, action: string, score: number): Promise<void> {
  const body = { user_id: user, action_id: action, new_score: score };
  await server.post('/boards/daily/scores', body, { authorization: `Bearer ${serviceToken()}` });
}

async function pair(env: Record<string, string>): Promise<[TestServer, TestServer]> {
  const mine = await startTestServer({ ...env, BOARDS_FILE });
  const theirs = await startTestServer({ ...env, BOARDS_FILE }, undefined, {
    subscriptionsThroughTrpc: true,
  });
  for (const server of [mine, theirs]) {
    await server.setScore('u1', 's1', 30);
    await server.setScore('u2', 's2', 20);
    await server.setScore('u3', 's3', 10);
    await setDaily(server, 'd1', 'd1', 7);
    await setDaily(server, 'd2', 'd2', 9);
  }
  return [mine, theirs];
}

async function compare(
  [mine, theirs]: [TestServer, TestServer],
  frames: Frame[],
  token?: string,
  headers?: Record<string, string>,
) {
  const [a, b] = [await play(mine, frames, token, headers), await play(theirs, frames, token, headers)];
  const label = frames.map((f) => (typeof f === 'string' ? f : JSON.stringify(f))).join('\n');
  expect(byId(a, mine.app.services.leaderboard.epoch), label).toEqual(
    byId(b, theirs.app.services.leaderboard.epoch),
  );
}

describe("hand-served subscriptions answer frame for frame as tRPC's handler", () => {
  let servers: [TestServer, TestServer];
  beforeAll(async () => {
    servers = await pair({
      WS_MAX_SUBSCRIPTIONS: '3',
      TRPC_MAX_BATCH: '4',
      RATE_LIMIT_READS_PER_MIN: '100000',
    });
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('sends the same frames for generated sequences of subscriptions, stops, queries and invalid requests', async () => {
    await fc.assert(
      fc.asyncProperty(sequence, async ({ frames, token }) => compare(servers, frames, token)),
      {
        numRuns: 60,
        examples: [
          [
            {
              frames: [
                {
                  id: 1,
                  method: 'subscription',
                  params: { path: 'leaderboard.live', lastEventId: 'EPOCH:3' },
                },
              ],
              token: undefined,
            },
          ],
          [
            {
              frames: [
                [
                  { id: 1, method: 'subscription', params: { path: 'leaderboard.live' } },
                  {
                    id: 1,
                    method: 'subscription',
                    params: { path: 'leaderboard.watchUser', input: { user_id: 'u1' } },
                  },
                ],
              ],
              token: undefined,
            },
          ],
          [{ frames: [{ method: 'subscription', params: { path: 'leaderboard.live' } }], token: undefined }],
        ],
      },
    );
  });

  it('sends the same frames when a change reaches live subscribers of different limits', async () => {
    const frames: Frame[] = [
      { id: 1, method: 'subscription', params: { path: 'leaderboard.live', input: { limit: 1 } } },
      { id: 2, method: 'subscription', params: { path: 'leaderboard.live', input: { limit: 3 } } },
    ];
    const sockets = await Promise.all(
      servers.map(async (server) => {
        const socket = await FrameSocket.open(server.url);
        for (const each of frames) socket.send(each);
        await socket.until(
          (s) => s.of(1).length === 2 && s.of(2).length === 2,
          'started and the first snapshots',
        );
        return socket;
      }),
    );
    // A change below the top 1: only the subscriber of 3 is sent it.
    for (const server of servers) await server.setScore('u4', 's4', 15);
    for (const socket of sockets) await socket.until((s) => s.of(2).length === 3, 'the change');
    for (const socket of sockets) {
      socket.send({ id: 1, method: 'subscription.stop' });
      socket.send({ id: 2, method: 'subscription.stop' });
      await socket.until((s) => s.of(1).length === 3 && s.of(2).length === 4, 'stopped');
      socket.close();
    }
    expect(byId(sockets[0]!, servers[0].app.services.leaderboard.epoch)).toEqual(
      byId(sockets[1]!, servers[1].app.services.leaderboard.epoch),
    );
  });

  it('sends the same frames when a change reaches subscribers of another board and window', async () => {
    const live = (input: unknown) => ({
      method: 'subscription',
      params: { path: 'leaderboard.live', input },
    });
    // Two sockets a server (WS_MAX_SUBSCRIPTIONS is 3): daily's day at two limits and its
    // whole window; global's, and a watcher of daily's day.
    const plan: Frame[][] = [
      [
        { id: 1, ...live({ board: 'daily', window: 'day', limit: 1 }) },
        { id: 2, ...live({ board: 'daily', window: 'day' }) },
        { id: 3, ...live({ board: 'daily' }) },
      ],
      [
        { id: 4, ...live({}) },
        {
          id: 5,
          method: 'subscription',
          params: { path: 'leaderboard.watchUser', input: { user_id: 'd3', board: 'daily', window: 'day' } },
        },
      ],
    ];
    const pairs = await Promise.all(
      servers.map(async (server) => {
        const opened = await Promise.all(plan.map(() => FrameSocket.open(server.url)));
        opened.forEach((socket, i) => plan[i]!.forEach((each) => socket.send(each)));
        const [a, b] = opened as [FrameSocket, FrameSocket];
        await a.until((s) => [1, 2, 3].every((id) => s.of(id).length === 2), 'started and the first events');
        await b.until((s) => [4, 5].every((id) => s.of(id).length === 2), 'started and the first events');
        return [a, b] as const;
      }),
    );
    // A change of daily below its top 1, then one at the top: global's subscriber hears neither.
    for (const server of servers) await setDaily(server, 'd3', 'd3', 8);
    for (const [a, b] of pairs) {
      await a.until((s) => s.of(2).length === 3, 'the first change');
      await b.until((s) => s.of(5).length === 3, 'the first change, watched');
    }
    for (const server of servers) await setDaily(server, 'd3', 'd3b', 20);
    for (const [a, b] of pairs) {
      await a.until(
        (s) => s.of(1).length === 3 && s.of(2).length === 4 && s.of(3).length === 4,
        'the second change',
      );
      await b.until((s) => s.of(5).length === 4, 'the second change, watched');
    }
    for (const [a, b] of pairs) {
      for (const id of [1, 2, 3]) a.send({ id, method: 'subscription.stop' });
      for (const id of [4, 5]) b.send({ id, method: 'subscription.stop' });
      await a.until((s) => s.of(1).length === 4 && s.of(2).length === 5 && s.of(3).length === 5, 'stopped');
      await b.until((s) => s.of(4).length === 3 && s.of(5).length === 5, 'stopped');
      a.close();
      b.close();
    }
    const [mine, theirs] = pairs as [(typeof pairs)[number], (typeof pairs)[number]];
    mine.forEach((socket, i) =>
      expect(byId(socket, servers[0].app.services.leaderboard.epoch)).toEqual(
        byId(theirs[i]!, servers[1].app.services.leaderboard.epoch),
      ),
    );
  });
});

describe('hand-served subscriptions spend the read budget as tRPC does', () => {
  it('refuses the same subscriptions once the budget is spent, whatever their inputs', async () => {
    const subscriptions = fc.array(
      fc.record({ id: fc.integer({ min: 1, max: 30 }), input: LIVE_INPUT }).map(({ id, input }) => ({
        id,
        method: 'subscription',
        params: { path: 'leaderboard.live', input },
      })),
      { minLength: 3, maxLength: 12 },
    );
    // Each case comes from a client address of its own (through a trusted proxy): a fresh budget.
    const servers = await pair({
      RATE_LIMIT_READS_PER_MIN: '4',
      WS_MAX_SUBSCRIPTIONS: '100',
      TRUST_PROXY: '127.0.0.1',
    });
    let client = 0;
    try {
      await fc.assert(
        fc.asyncProperty(subscriptions, async (frames) => {
          client += 1;
          await compare(servers, frames, undefined, {
            'x-forwarded-for': `10.0.${client >> 8}.${client & 255}`,
          });
        }),
        { numRuns: 20 },
      );
    } finally {
      for (const server of servers) await server.close();
    }
  });
});
