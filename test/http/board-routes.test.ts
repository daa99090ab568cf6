import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { BAD_REQUEST_BODY, errorBody, GLOBAL_ALL_WINDOW, SUCCESS_BODY } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// The routes under /boards/{board}/ on the board every server has, `global`: the same answers
// as today's routes, and each refusal of a board, a window or a list of friends.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  for (const [user, score] of [
    ['alice', 50],
    ['bob', 70],
    ['carol', 50],
    ['dave', 10],
  ] as const) {
    expect((await server.setScore(user, `${user}-1`, score)).status).toBe(200);
  }
});
afterAll(() => server.close());

const get = async (path: string) => {
  const res = await fetch(server.url + path);
  return { status: res.status, body: await res.json() };
};
const refused = (status: number, message: string) => ({ status, body: JSON.parse(errorBody(message)) });
const trpc = () => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc` })] });

const BOARD = [
  { rank: 1, user_id: 'bob', score: 70 },
  { rank: 2, user_id: 'alice', score: 50 },
  { rank: 3, user_id: 'carol', score: 50 },
  { rank: 4, user_id: 'dave', score: 10 },
];

describe('GET /boards/global/...', () => {
  it('answers what the routes of today answer, page by page', async () => {
    const first = await get('/boards/global/leaderboard?limit=3');
    expect(first).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: BOARD.slice(0, 3), next_cursor: expect.any(String) },
    });
    expect(first).toEqual(await get('/leaderboard?limit=3'));
    expect(await get(`/boards/global/leaderboard?limit=3&cursor=${first.body.next_cursor}`)).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: BOARD.slice(3), next_cursor: null },
    });
    expect(await get('/boards/global/leaderboard?window=all&at=current')).toEqual(await get('/leaderboard'));
    expect(await get('/boards/global/users/carol')).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, user_id: 'carol', score: 50, rank: 3 },
    });
    expect(await get('/boards/global/users/carol')).toEqual(await get('/leaderboard/users/carol'));
    expect(await get('/boards/global/users/alice/around?radius=1')).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: BOARD.slice(0, 3) },
    });
  });

  it('answers friends in rank order, each once, leaving out who has no score', async () => {
    const friends = { window: GLOBAL_ALL_WINDOW, entries: [BOARD[0], BOARD[2], BOARD[3]] };
    expect(await get('/boards/global/users?ids=dave,carol,nobody,bob,carol')).toEqual({
      status: 200,
      body: friends,
    });
    // Repeated, as generated clients send an array; both forms may mix.
    expect(await get('/boards/global/users?ids=dave&ids=carol,nobody&ids=bob')).toEqual({
      status: 200,
      body: friends,
    });
    expect(await get('/boards/global/users?ids=nobody')).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: [] },
    });
    const hundred = Array.from({ length: 99 }, (_, i) => `friend-${i}`).concat('alice');
    expect(await get(`/boards/global/users?ids=${hundred.join(',')}`)).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, entries: [BOARD[1]] },
    });
    expect(await trpc().leaderboard.ofUsers.query({ board: 'global', ids: ['carol', 'bob'] })).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [BOARD[0], BOARD[2]],
    });
  });

  const WINDOW_KINDS = 'all, day, week, month, season';
  it.each([
    ['/boards/nope/leaderboard', 404, 'No board "nope"'],
    ['/boards/nope/users/alice', 404, 'No board "nope"'],
    ['/boards/nope/users/alice/around', 404, 'No board "nope"'],
    ['/boards/nope/users?ids=alice', 404, 'No board "nope"'],
    ['/boards/global/users/nobody', 404, 'No score for user "nobody"'],
    ['/boards/global/users/nobody/around', 404, 'No score for user "nobody"'],
    [
      '/boards/Global/leaderboard',
      400,
      'board: "Global" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
    ],
    [
      `/boards/${'b'.repeat(65)}/users/alice`,
      400,
      `board: "${'b'.repeat(65)}" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"`,
    ],
    [
      '/boards/global/leaderboard?window=week',
      400,
      'window: board "global" keeps no week window (it keeps all)',
    ],
    ['/leaderboard/users/alice?window=day', 400, 'window: board "global" keeps no day window (it keeps all)'],
    ['/boards/global/leaderboard?window=year', 400, `window: must be one of ${WINDOW_KINDS}`],
    ['/boards/global/leaderboard?at=previous', 400, 'at: there is no window before all'],
    [
      '/boards/global/users/alice?at=2026-02-29',
      400,
      'at: must be "current", "previous" or a date YYYY-MM-DD',
    ],
    ['/boards/global/leaderboard?at=tomorrow', 400, 'at: must be "current", "previous" or a date YYYY-MM-DD'],
    [
      '/boards/global/leaderboard?at=2026-03-01T00:00',
      400,
      'at: must be "current", "previous" or a date YYYY-MM-DD',
    ],
    ['/boards/global/leaderboard?board=other', 400, 'board: belongs in the path, not the query'],
    ['/leaderboard?board=global', 400, 'board: belongs in the path, not the query'],
    ['/boards/global/users/alice?user_id=bob', 400, 'user_id: belongs in the path, not the query'],
    ['/boards/global/users?ids=', 400, 'ids: name at least one user'],
    [
      `/boards/global/users?ids=${Array.from({ length: 101 }, (_, i) => `u${i}`).join(',')}`,
      400,
      'ids: name at most 100 users',
    ],
    ['/boards/global/users?ids=alice,,bob', 400, 'ids.1: Too small: expected string to have >=1 characters'],
    ['/boards/global', 404, 'Not found'],
    ['/boards/global/', 404, 'Not found'],
    ['/boards/global/scores', 404, 'Not found'],
    ['/boards/global/users/alice/elsewhere', 404, 'Not found'],
  ])('refuses GET %s with %i', async (path, status, message) => {
    expect(await get(path)).toEqual(refused(status, message));
  });

  it('refuses over tRPC as over REST, with NOT_FOUND for a board it does not have', async () => {
    const missing = await trpc()
      .leaderboard.top.query({ board: 'nope' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TRPCClientError);
    expect([(missing as TRPCClientError<AppRouter>).data?.code, (missing as Error).message]).toEqual([
      'NOT_FOUND',
      'No board "nope"',
    ]);
  });
});

describe('POST /boards/{board}/scores', () => {
  const body = (user: string, action: string, score: number) => ({
    user_id: user,
    action_id: action,
    new_score: score,
  });
  const post = (path: string, payload: unknown, token = serviceToken()) =>
    server.post(path, payload, { authorization: `Bearer ${token}` });

  it('writes the board with the literal answers of /update-score', async () => {
    expect(await post('/boards/global/scores', body('erin', 'e-1', 30), tokenFor('erin'))).toMatchObject({
      status: 200,
      body: SUCCESS_BODY,
    });
    expect(await get('/leaderboard/users/erin')).toEqual({
      status: 200,
      body: { window: GLOBAL_ALL_WINDOW, user_id: 'erin', score: 30, rank: 4 },
    });
    // The same action through either route is one action: a replay.
    expect(await post('/update-score', body('erin', 'e-1', 30))).toMatchObject({
      status: 200,
      body: SUCCESS_BODY,
    });
    expect(await post('/boards/global/scores', body('erin', 'e-1', 35))).toMatchObject({
      status: 409,
      body: errorBody('action_id "e-1" was already used with a different payload'),
    });
    expect(server.query("select action_id, new_score from score_ledger where user_id = 'erin'")).toEqual([
      { action_id: 'e-1', new_score: 30 },
    ]);
  });

  it('refuses an unknown board with 404 and a board in the body with the literal 400, writing nothing', async () => {
    const ledger = () => server.query("select * from score_ledger where user_id = 'frank'");
    expect(await post('/boards/nope/scores', body('frank', 'f-1', 5))).toMatchObject({
      status: 404,
      body: errorBody('No board "nope"'),
    });
    for (const [path, payload] of [
      ['/boards/Nope/scores', body('frank', 'f-1', 5)],
      ['/boards/global/scores', { ...body('frank', 'f-1', 5), board: 'global' }],
      ['/update-score', { ...body('frank', 'f-1', 5), board: 'global' }],
    ] as const) {
      expect(await post(path, payload)).toMatchObject({ status: 400, body: BAD_REQUEST_BODY });
    }
    expect(await post('/boards/nope/scores', body('frank', 'f-1', 5), 'not-a-token')).toMatchObject({
      status: 401,
    });
    expect(ledger()).toEqual([]);
  });
});
