import { createTRPCClient, httpLink } from '@trpc/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// Ranks in a season that ended, through the routes, with rank marks every 2 records
// (RANK_MARK_SPACING=2): the first rank read writes them, and every answer after is the one
// counting each row gives.

const S1 = Date.parse('2026-01-01T00:00:00Z');
const BOARDS = {
  boards: [
    {
      id: 'ranked',
      title: 'Ranked',
      operator: 'best',
      windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }],
    },
  ],
};

let folder: string;
let server: TestServer;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-past-ranks-'));
  writeFileSync(join(folder, 'boards.json'), JSON.stringify(BOARDS));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
});

const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown };
};

describe('ranks in a past season', () => {
  it('answers friends, a user and around from rank marks, as the season ended', async () => {
    server = await startTestServer({
      ...UNLIMITED,
      BOARDS_FILE: join(folder, 'boards.json'),
      RANK_MARK_SPACING: '2',
    });
    // Ties: the first to reach a score ranks first.
    const runs: Array<[string, number]> = [
      ['ann', 70],
      ['bob', 90],
      ['cat', 70],
      ['dan', 50],
      ['eve', 90],
      ['fay', 70],
      ['gus', 10],
    ];
    for (const [user, score] of runs) {
      const sent = await server.post(
        '/boards/ranked/scores',
        { user_id: user, action_id: `${user}-1`, new_score: score },
        { authorization: `Bearer ${serviceToken()}` },
      );
      expect(sent.status).toBe(200);
    }
    const admin = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${server.url}/trpc`,
          headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
        }),
      ],
    }).admin;
    const { started_at: end } = await admin.startSeason.mutate({ board: 'ranked' });
    const window = {
      board: 'ranked',
      kind: 'season',
      key: 'season:1',
      start: new Date(S1).toISOString(),
      end,
      next_reset: null,
    };
    const ranked = [
      { rank: 1, user_id: 'bob', score: 90 },
      { rank: 2, user_id: 'eve', score: 90 },
      { rank: 3, user_id: 'ann', score: 70 },
      { rank: 4, user_id: 'cat', score: 70 },
      { rank: 5, user_id: 'fay', score: 70 },
      { rank: 6, user_id: 'dan', score: 50 },
      { rank: 7, user_id: 'gus', score: 10 },
    ];
    const past = 'window=season&at=previous';
    expect(await get(`/boards/ranked/users?${past}&ids=gus,fay,nobody,eve,cat,gus`)).toEqual({
      status: 200,
      body: { window, entries: [ranked[1], ranked[3], ranked[4], ranked[6]] },
    });
    // Written once, by that read: every second record, with how many are ahead of it.
    const marks = server
      .query<{ user_id: string; ahead: number }>(
        "select user_id, ahead from rank_marks where board_id = 'ranked' and window_key = 'season:1' order by ahead",
      )
      .map((m) => [m.user_id, Number(m.ahead)]);
    expect(marks).toEqual([
      ['bob', 0],
      ['ann', 2],
      ['fay', 4],
      ['gus', 6],
    ]);
    expect(await get(`/boards/ranked/users?${past}&ids=${runs.map(([u]) => u).join(',')}`)).toEqual({
      status: 200,
      body: { window, entries: ranked },
    });
    for (const entry of ranked) {
      expect(await get(`/boards/ranked/users/${entry.user_id}?${past}`)).toEqual({
        status: 200,
        body: { window, ...entry },
      });
    }
    expect(await get(`/boards/ranked/users/cat/around?${past}&radius=2`)).toEqual({
      status: 200,
      body: { window, entries: ranked.slice(1, 6) },
    });
    expect(await get(`/boards/ranked/users/nobody?${past}`)).toEqual({
      status: 404,
      body: { status: 'error', message: 'No score for user "nobody"' },
    });
  });
});
