import { afterEach, describe, expect, it } from 'vitest';
import { errorBody, GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
afterEach(() => server?.close());

const set = (user: string, action: string, score: number) => server.setScore(user, action, score);
const leaderboard = async (query = '') => {
  const res = await fetch(`${server.url}/leaderboard${query}`);
  return { status: res.status, body: await res.json() };
};

describe('GET /leaderboard', () => {
  it('answers an empty board before any score', async () => {
    server = await startTestServer();
    expect(await leaderboard()).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: [], next_cursor: null },
    });
  });

  it('orders by score and breaks ties by who reached the score first', async () => {
    server = await startTestServer();
    await set('zed', 'z1', 50);
    await set('amy', 'a1', 50);
    await set('bob', 'b1', 70);
    await set('amy', 'a2', 50); // same score again: amy keeps her original moment
    expect((await leaderboard()).body).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [
        { rank: 1, user_id: 'bob', score: 70 },
        { rank: 2, user_id: 'zed', score: 50 },
        { rank: 3, user_id: 'amy', score: 50 },
      ],
      next_cursor: null,
    });
  });

  it('answers limits beyond LEADERBOARD_SIZE from the same in-memory board', async () => {
    server = await startTestServer({ LEADERBOARD_SIZE: '3' });
    for (let i = 1; i <= 6; i++) await set(`u${i}`, `a${i}`, i * 10);
    expect((await leaderboard()).body.entries.map((e: { user_id: string }) => e.user_id)).toEqual([
      'u6',
      'u5',
      'u4',
    ]);
    const deep = (await leaderboard('?limit=5')).body;
    expect(deep.entries).toEqual([
      { rank: 1, user_id: 'u6', score: 60 },
      { rank: 2, user_id: 'u5', score: 50 },
      { rank: 3, user_id: 'u4', score: 40 },
      { rank: 4, user_id: 'u3', score: 30 },
      { rank: 5, user_id: 'u2', score: 20 },
    ]);
  });

  it('with LEADERBOARD_SIZE=1, a leader who drops gives up first place', async () => {
    server = await startTestServer({ LEADERBOARD_SIZE: '1', SCORE_ALLOW_DECREASE: 'true' });
    await set('a', 'a1', 30);
    await set('b', 'b1', 20);
    await set('a', 'a2', 5);
    expect((await leaderboard()).body.entries).toEqual([{ rank: 1, user_id: 'b', score: 20 }]);
    expect((await leaderboard('?limit=2')).body.entries).toEqual([
      { rank: 1, user_id: 'b', score: 20 },
      { rank: 2, user_id: 'a', score: 5 },
    ]);
  });

  it('moves a leader who drops below the cut out of the top N', async () => {
    server = await startTestServer({ LEADERBOARD_SIZE: '2', SCORE_ALLOW_DECREASE: 'true' });
    await set('a', 'a1', 30);
    await set('b', 'b1', 20);
    await set('c', 'c1', 10);
    await set('a', 'a2', 5);
    expect((await leaderboard()).body.entries).toEqual([
      { rank: 1, user_id: 'b', score: 20 },
      { rank: 2, user_id: 'c', score: 10 },
    ]);
  });

  it('answers the top N from memory, even with the database closed', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 40);
    await server.app.services.storage.close();
    expect(await leaderboard('?limit=10')).toEqual({
      status: 200,
      body: {
        window: GLOBAL_ALL_WINDOW,
        entries: [{ rank: 1, user_id: 'alice', score: 40 }],
        next_cursor: null,
      },
    });
  });

  it('loads the whole board from the database at start', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 40);
    const dir = server.dir;
    await server.app.close();
    server = await startTestServer({}, dir);
    expect((await leaderboard()).body).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [{ rank: 1, user_id: 'alice', score: 40 }],
      next_cursor: null,
    });
  });

  it.each(['?limit=0', '?limit=101', '?limit=abc', '?limit=1.5', '?limit='])(
    'refuses %s with 400',
    async (query) => {
      server = await startTestServer();
      expect(await leaderboard(query)).toEqual({
        status: 400,
        body: JSON.parse(errorBody('limit: must be an integer from 1 to 100')),
      });
    },
  );

  it.each([
    ['?other=1', 'input: unknown field "other" (allowed: board, window, at, limit, cursor)'],
    ['?cursor=bm90LWEtY3Vyc29y', 'cursor: is not one this server gave out'],
    [`?cursor=${'x'.repeat(401)}`, 'cursor: is not one this server gave out'],
  ])('refuses %s with 400 and a precise message', async (query, message) => {
    server = await startTestServer();
    expect(await leaderboard(query)).toEqual({ status: 400, body: JSON.parse(errorBody(message)) });
  });

  it('accepts limits 1 and 100', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 40);
    await set('bob', 'b1', 30);
    expect((await leaderboard('?limit=1')).body.entries).toEqual([{ rank: 1, user_id: 'alice', score: 40 }]);
    expect((await leaderboard('?limit=100')).body.entries).toHaveLength(2);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz while the database answers', async () => {
    server = await startTestServer();
    const health = await fetch(`${server.url}/healthz`);
    const ready = await fetch(`${server.url}/readyz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('answers /readyz with 503 once the database is closed', async () => {
    server = await startTestServer();
    await server.app.services.storage.close();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'error', message: 'Database is not answering' });
  });
});
