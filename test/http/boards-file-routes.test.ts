import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES } from '../../shared/messages.js';
import { serviceToken } from '../helpers/tokens.js';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';

const BOARDS = {
  boards: [
    { id: 'global', windows: [{ kind: 'week', zone: 'UTC' }] },
    {
      id: 'time-trial',
      order: 'asc',
      operator: 'best',
      rules: { min: 1, max: 100000 },
      windows: [{ kind: 'day', zone: 'Europe/Berlin' }],
    },
  ],
};

let server: TestServer;
let folder: string;
const auth = { authorization: `Bearer ${serviceToken()}` };

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-board-routes-'));
  const file = join(folder, 'boards.json');
  writeFileSync(file, JSON.stringify(BOARDS));
  server = await startTestServer({ ...UNLIMITED, BOARDS_FILE: file });
});
afterAll(async () => {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const submit = (board: string, user: string, action: string, score: number) =>
  server.post(`/boards/${board}/scores`, { user_id: user, action_id: action, new_score: score }, auth);

describe('the board routes over HTTP', () => {
  it('writes a board through POST /boards/{board}/scores with the literal answers, and reads it back', async () => {
    const written = await submit('time-trial', 'alice', 't1', 5000);
    expect(written).toMatchObject({
      status: 200,
      body: JSON.stringify({ status: 'success', message: MESSAGES.success }),
    });
    await submit('time-trial', 'bob', 't1', 4000);
    expect((await submit('time-trial', 'alice', 't2', 6000)).status).toBe(200); // a worse run: recorded
    const page = await get('/boards/time-trial/leaderboard?window=day');
    expect(page.status).toBe(200);
    expect(page.body.entries).toEqual([
      { rank: 1, user_id: 'bob', score: 4000 },
      { rank: 2, user_id: 'alice', score: 5000 },
    ]);
    expect(page.body.window).toMatchObject({ board: 'time-trial', kind: 'day' });
    expect(
      server.query(
        "select value, previous_score, new_score from score_ledger where board_id = 'time-trial' and user_id = 'alice' order by id",
      ),
    ).toEqual([
      { value: 5000, previous_score: 0, new_score: 5000 },
      { value: 6000, previous_score: 5000, new_score: 5000 },
    ]);
    expect(await get('/boards/time-trial/users/alice')).toMatchObject({
      status: 200,
      body: { user_id: 'alice', score: 5000, rank: 2 },
    });
    expect((await get('/boards/time-trial/users?ids=alice,bob,zed')).body.entries).toEqual([
      { rank: 1, user_id: 'bob', score: 4000 },
      { rank: 2, user_id: 'alice', score: 5000 },
    ]);
  });

  it('feeds global and its weekly window from POST /update-score, which keeps its literal contract', async () => {
    expect(await server.setScore('carol', 'c1', 70)).toMatchObject({
      status: 200,
      body: JSON.stringify({ status: 'success', message: MESSAGES.success }),
    });
    const week = await get('/boards/global/leaderboard?window=week');
    expect(week.body.entries).toEqual([{ rank: 1, user_id: 'carol', score: 70 }]);
    expect((await get('/leaderboard')).body.entries).toEqual([{ rank: 1, user_id: 'carol', score: 70 }]);
    // The board is the path's: a body that names one is the literal 400, and nothing is written.
    const named = await server.post(
      '/update-score',
      { user_id: 'carol', action_id: 'c2', new_score: 80, board: 'time-trial' },
      auth,
    );
    expect(named).toMatchObject({
      status: 400,
      body: JSON.stringify({ status: 'error', message: MESSAGES.badRequest }),
    });
    const inBody = await server.post(
      '/boards/global/scores',
      { user_id: 'carol', action_id: 'c3', new_score: 80, board: 'global' },
      auth,
    );
    expect(inBody.status).toBe(400);
    expect(server.query("select count(*) as n from score_ledger where action_id in ('c2', 'c3')")).toEqual([
      { n: 0 },
    ]);
  });

  it('answers bad boards, windows, dates and friend lists with a clear 4xx, never a 500', async () => {
    expect(await get('/boards/nope/leaderboard')).toEqual({
      status: 404,
      body: { status: 'error', message: 'No board "nope"' },
    });
    expect((await submit('nope', 'alice', 'n1', 1)).status).toBe(404);
    expect(await get('/boards/time-trial/leaderboard?window=week')).toEqual({
      status: 400,
      body: {
        status: 'error',
        message: 'window: board "time-trial" keeps no week window (it keeps all, day)',
      },
    });
    expect((await get('/boards/time-trial/leaderboard?window=day&at=2026-13-01')).status).toBe(400);
    expect((await get('/boards/time-trial/leaderboard?window=fortnight')).status).toBe(400);
    expect((await get('/boards/Not_A_Slug/leaderboard')).status).toBe(400);
    const ids = Array.from({ length: 101 }, (_, i) => `u${i}`).join(',');
    expect(await get(`/boards/time-trial/users?ids=${ids}`)).toEqual({
      status: 400,
      body: { status: 'error', message: 'ids: name at most 100 users' },
    });
    expect((await get('/boards/time-trial/nothing')).status).toBe(404);
    expect(server.query("select count(*) as n from score_ledger where board_id = 'nope'")).toEqual([
      { n: 0 },
    ]);
  });
});
