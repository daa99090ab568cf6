import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { errorBody, GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
afterEach(() => server?.close());

const set = (user: string, action: string, score: number) => server.setScore(user, action, score);
const get = async (path: string) => {
  const res = await fetch(server.url + path);
  return { status: res.status, body: await res.json() };
};
const trpc = () => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc` })] });

/** 25 users, scores with ties: u0..u24 get (i % 7) * 10, in order, so ties go to the lower i. */
async function seed(count = 25) {
  for (let i = 0; i < count; i++) expect((await set(`u${i}`, `s${i}`, (i % 7) * 10)).status).toBe(200);
  const expected = Array.from({ length: count }, (_, i) => ({ user_id: `u${i}`, score: (i % 7) * 10, i }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((e, rank) => ({ rank: rank + 1, user_id: e.user_id, score: e.score }));
  return expected;
}

describe('pages, ranks and neighbours', () => {
  it('walks every user once, in order, ranks 1..n, page by page with the cursor (REST and tRPC)', async () => {
    server = await startTestServer();
    const expected = await seed();
    const walked = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { entries: unknown[]; next_cursor: string | null } } = await get(
        `/leaderboard?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      walked.push(...page.body.entries);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(walked).toEqual(expected);

    const viaTrpc = [];
    let next: string | undefined;
    for (;;) {
      const page = await trpc().leaderboard.top.query({ limit: 10, ...(next ? { cursor: next } : {}) });
      viaTrpc.push(...page.entries);
      if (!page.next_cursor) break;
      next = page.next_cursor;
    }
    expect(viaTrpc).toEqual(expected);
  });

  it("answers a user's score and rank, and 404 with the error shape for a user with no score", async () => {
    server = await startTestServer();
    const expected = await seed();
    await set('Zoë 🎮/x', 'z1', 65);
    const zoe = encodeURIComponent('Zoë 🎮/x');
    expect(await get(`/leaderboard/users/${zoe}`)).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, user_id: 'Zoë 🎮/x', score: 65, rank: 1 },
    });
    const u3 = expected.find((e) => e.user_id === 'u3')!;
    expect(await get('/leaderboard/users/u3')).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, user_id: 'u3', score: u3.score, rank: u3.rank + 1 },
    });
    expect(await get('/leaderboard/users/nobody')).toEqual({
      status: 404,
      body: JSON.parse(errorBody('No score for user "nobody"')),
    });
    expect(await trpc().leaderboard.rank.query({ user_id: 'u3' })).toEqual({
      window: GLOBAL_ALL_WINDOW,
      user_id: 'u3',
      score: u3.score,
      rank: u3.rank + 1,
    });
    const missing = await trpc()
      .leaderboard.rank.query({ user_id: 'nobody' })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(TRPCClientError);
    expect([missing.data?.code, missing.message]).toEqual(['NOT_FOUND', 'No score for user "nobody"']);
  });

  it('answers the users around one, radius 5 by default, cut at the ends of the board', async () => {
    server = await startTestServer();
    const expected = await seed();
    const middle = expected[12]!;
    expect(await get(`/leaderboard/users/${middle.user_id}/around`)).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: expected.slice(7, 18) },
    });
    expect((await get(`/leaderboard/users/${expected[0]!.user_id}/around?radius=2`)).body).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: expected.slice(0, 3),
    });
    expect((await get(`/leaderboard/users/${expected[24]!.user_id}/around?radius=0`)).body).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [expected[24]],
    });
    expect(await trpc().leaderboard.around.query({ user_id: middle.user_id, radius: 1 })).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: expected.slice(11, 14),
    });
    expect((await get('/leaderboard/users/nobody/around')).status).toBe(404);
  });

  it.each([
    ['/leaderboard/users/u1/around?radius=51', 400, 'radius: must be an integer from 0 to 50'],
    ['/leaderboard/users/u1/around?radius=-1', 400, 'radius: must be an integer from 0 to 50'],
    [
      '/leaderboard/users/u1/around?other=1',
      400,
      'input: unknown field "other" (allowed: board, window, at, user_id, radius)',
    ],
    ['/leaderboard/users/u1?x=1', 400, 'input: unknown field "x" (allowed: board, window, at, user_id)'],
    ['/leaderboard/users/u1?user_id=u2', 400, 'user_id: belongs in the path, not the query'],
    ['/leaderboard/users/%E0%A4%A', 400, 'user_id: is not a URL-encoded id'],
    [
      `/leaderboard/users/${'u'.repeat(129)}`,
      400,
      'user_id: Too big: expected string to have <=128 characters',
    ],
    ['/leaderboard/users/a%00b', 400, 'user_id: must not contain control characters'],
    ['/leaderboard/users/u1/elsewhere', 404, 'Not found'],
  ])('refuses %s with %i', async (path, status, message) => {
    server = await startTestServer();
    await set('u1', 'a', 1);
    expect(await get(path)).toEqual({ status, body: JSON.parse(errorBody(message)) });
  });
});

describe('leaderboard.watchUser', () => {
  it("pushes a user's place on subscribe and when it changes, coalesced to about once a second", async () => {
    server = await startTestServer({ SCORE_MAX_GAIN: '1000000' });
    await set('alice', 'a1', 100);
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/trpc');
    const pushes: Array<{ user_id: string; score: number | null; rank: number | null }> = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.id === 1 && message.result?.type === 'data') {
        pushes.push(message.result.data);
        for (const wake of waiters.splice(0)) wake();
      }
    });
    const until = async (count: number) => {
      while (pushes.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      JSON.stringify({
        id: 1,
        method: 'subscription',
        params: { path: 'leaderboard.watchUser', input: { user_id: 'bob' } },
      }),
    );
    await until(1);
    expect(pushes[0]).toEqual({ user_id: 'bob', score: null, rank: null });

    await set('bob', 'b1', 50);
    await until(2);
    expect(pushes[1]).toEqual({ user_id: 'bob', score: 50, rank: 2 });

    // A burst that moves bob many times: pushes are coalesced, and the last one is right.
    for (let i = 0; i < 20; i++) await set(`p${i}`, `p${i}`, 60 + i);
    await set('bob', 'b2', 75);
    await new Promise<void>((resolve) => {
      const check = () =>
        pushes.at(-1)?.score === 75 && pushes.at(-1)?.rank === 7 ? resolve() : waiters.push(check);
      check();
    });
    expect(pushes.length).toBeLessThan(6);
    ws.terminate();
  });
});
