import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createScoreboardClient,
  isLiveConnectionError,
  isScoreboardError,
  LiveConnectionError,
  type ConnectionState,
  type LeaderboardSnapshot,
  type ScoreboardClient,
  type ScoreboardClientOptions,
  type TRPCClientError,
  type AppRouter,
} from '../../client-sdk/src/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';
import { startFakeLiveServer, type FakeLiveServer, type Misbehaviour } from './fake-live-server.js';

// The live connection when things go wrong: a bad token, a getToken that throws, a server that
// refuses or drops every connection. The board must keep working where it can, the errors
// must reach onError, and the retries must slow down instead of hammering the server.

type ClientError = TRPCClientError<AppRouter>;

let server: TestServer | undefined;
let fake: FakeLiveServer | undefined;
const clients: ScoreboardClient[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  await fake?.close();
  server = undefined;
  fake = undefined;
});

/** The `ws` class, counting the sockets a client opens. */
function countingWebSocket() {
  const counter = { opened: 0 };
  class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      counter.opened += 1;
    }
  }
  return { counter, CountingWebSocket };
}

function connect(url: string, options: Partial<ScoreboardClientOptions> = {}) {
  const client = createScoreboardClient({ url, WebSocket, ...options });
  clients.push(client);
  return client;
}

/** Resolves with the first `count` snapshots a watcher gets, updating the board in between; fails after 10 s. */
function watchUntil(client: ScoreboardClient, count: number, onError: (error: ClientError) => void) {
  const seen: LeaderboardSnapshot[] = [];
  return new Promise<LeaderboardSnapshot[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${seen.length} of ${count} snapshots after 10 s`)),
      10_000,
    );
    client.watchLeaderboard(
      { limit: 5 },
      (snapshot) => {
        seen.push(snapshot);
        if (seen.length === count) {
          clearTimeout(timer);
          resolve(seen);
        } else void setScore(`player-${seen.length}`, 10 * seen.length + 100);
      },
      onError,
    );
  });
}

const setScore = (user: string, score: number) =>
  server!.post(
    '/update-score',
    { user_id: user, action_id: `${user}-${score}`, new_score: score },
    { authorization: `Bearer ${serviceToken()}` },
  );

describe('a bad or missing token does not cost the public board', () => {
  it('an expired token still gets every snapshot, over one socket, and mutations say UNAUTHORIZED', async () => {
    server = await startTestServer();
    await setScore('alice', 50);
    const { counter, CountingWebSocket } = countingWebSocket();
    const errors: ClientError[] = [];
    const states: ConnectionState[] = [];
    const client = connect(server.url, {
      WebSocket: CountingWebSocket,
      getToken: () => tokenFor('alice', { expiresIn: -10 }),
      onError: (error) => errors.push(error),
      onConnectionStateChange: (state) => states.push(state),
    });

    const seen = await watchUntil(client, 3, (error) => errors.push(error));
    expect(seen[0]!.entries[0]).toEqual({ rank: 1, user_id: 'alice', score: 50 });
    expect(seen.map((s) => s.version)).toEqual([...seen.map((s) => s.version)].sort((a, b) => a - b));
    expect(counter.opened).toBe(1);
    expect(states).toEqual(['connecting', 'live']);
    expect(errors).toEqual([]);

    const refused = await client.scores.update
      .mutate({ user_id: 'alice', action_id: 'a2', new_score: 60 })
      .catch((error: unknown) => error);
    expect(isScoreboardError(refused) && refused.data?.code).toBe('UNAUTHORIZED');
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('session store is down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('session store is down'))],
  ])(
    'a getToken that %s: connects without a token, reports it, and delivers the board',
    async (_, getToken) => {
      server = await startTestServer();
      await setScore('alice', 50);
      const { counter, CountingWebSocket } = countingWebSocket();
      const errors: ClientError[] = [];
      const client = connect(server.url, {
        WebSocket: CountingWebSocket,
        getToken,
        onError: (error) => errors.push(error),
      });

      const seen = await watchUntil(client, 2, (error) => errors.push(error));
      expect(seen[0]!.entries[0]!.user_id).toBe('alice');
      expect(counter.opened).toBe(1);
      expect(errors.map((e) => e.message)).toEqual([
        'getToken failed, so the live connection goes on without a token: session store is down',
      ]);
      expect(isLiveConnectionError(errors[0])).toBe(true);
      expect((errors[0]!.cause as LiveConnectionError).reason).toBe('token');
      expect(((errors[0]!.cause as LiveConnectionError).cause as Error).message).toBe(
        'session store is down',
      );
    },
  );

  it('without an onError, a failing getToken is logged as a warning', async () => {
    server = await startTestServer();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const client = connect(server.url, {
      getToken: () => {
        throw new Error('no session');
      },
    });
    await watchUntil(client, 1, () => {});
    expect(warn).toHaveBeenCalledWith(
      '[scoreboard]',
      'getToken failed, so the live connection goes on without a token: no session',
    );
  });
});

describe('a server that never lets the client in', () => {
  const expected: Record<Misbehaviour, { message: RegExp; details: object }> = {
    'refuse-429': {
      message: /^Live connection refused by the server \(HTTP 429\)$/,
      details: { status: 429 },
    },
    'close-on-subscribe': {
      message: /^Live connection closed by the server \d+ ms after it opened \(1008 Invalid token\)$/,
      details: { closeCode: 1008 },
    },
  };

  it.each(Object.keys(expected) as Misbehaviour[])(
    '%s: every failure reaches onError, the watcher hears once, and the retries slow down',
    async (misbehaviour) => {
      fake = await startFakeLiveServer(misbehaviour);
      const clientErrors: ClientError[] = [];
      const watcherErrors: ClientError[] = [];
      const client = connect(fake.url, {
        getToken: () => tokenFor('alice'),
        onError: (error) => clientErrors.push(error),
      });
      client.watchLeaderboard(
        {},
        () => expect.unreachable('no snapshot can arrive'),
        (error) => watcherErrors.push(error),
      );

      await fake.attempted(4);
      const [first, second, third, fourth] = fake.attempts as [number, number, number, number];
      // Nominal 250, 500 and 1000 ms, each ±25 %. Starting the backoff over at every open, as
      // tRPC's own attempt index does, keeps every gap near 250 ms.
      expect(second - first).toBeGreaterThanOrEqual(180);
      expect(third - second).toBeGreaterThanOrEqual(370);
      expect(fourth - third).toBeGreaterThanOrEqual(740);

      expect(clientErrors.length).toBeGreaterThanOrEqual(3);
      for (const error of clientErrors) {
        expect(error.message).toMatch(expected[misbehaviour].message);
        expect(isLiveConnectionError(error)).toBe(true);
        expect((error.cause as LiveConnectionError).details).toMatchObject(expected[misbehaviour].details);
      }
      // The watcher is told the board is not live, once, not at every retry.
      expect(watcherErrors).toEqual([clientErrors[0]]);
    },
  );
});
