import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Board } from '../../server/domain/board.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { testBoard } from '../helpers/boards.js';

// The top version of each board's window (what live events of that window are numbered by)
// and the listeners told of it: a change to a view's top N bumps that view only, a rollover
// starts the next window at the version applied so far, and nothing ever goes back within a
// window (a reload included). Top N is 2 here.

const GLOBAL: Board = testBoard();
const DAILY: Board = testBoard({ id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] });
const BOARDS = new Map([GLOBAL, DAILY].map((board) => [board.id, board]));
const catalog = { get: (id: string) => BOARDS.get(id), list: () => [...BOARDS.values()] };

const SATURDAY = Date.parse('2026-03-28T12:00:00Z');
const SUNDAY = Date.parse('2026-03-29T00:00:00Z');

let dir: string;
let storage: SqliteStorage;
let leaderboard: LeaderboardService;
let action = 0;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(SATURDAY);
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-window-versions-'));
  storage = await SqliteStorage.open({ file: join(dir, 'db.sqlite'), sync: 'normal' });
  leaderboard = new LeaderboardService(storage.scores, catalog, 2, () => Date.now());
  await leaderboard.load();
});
afterEach(async () => {
  vi.useRealTimers();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Submits a total and applies it; resolves with the commit's version. */
async function submit(board: Board, userId: string, value: number): Promise<number> {
  const outcome = await storage.scores.applyUpdate(
    { board, userId, actionId: `a${action++}`, newScore: value, subject: userId, ip: null },
    createJudge(board, false),
  );
  if (outcome.kind !== 'applied') throw new Error(`not applied: ${JSON.stringify(outcome)}`);
  await leaderboard.apply(outcome.committed);
  return outcome.committed.version;
}

describe('top versions per board and window', () => {
  it("bumps a view's version and tells its listeners when its top N changes, and only then", async () => {
    const day: number[] = [];
    const all: number[] = [];
    const global: number[] = [];
    leaderboard.onChange((v) => day.push(v), 'daily', 'day');
    leaderboard.onChange((v) => all.push(v), 'daily', 'all');
    leaderboard.onChange((v) => global.push(v));

    const v1 = await submit(DAILY, 'ann', 30);
    const v2 = await submit(DAILY, 'bea', 20);
    await submit(DAILY, 'cid', 10); // third: below the top 2 of both windows
    expect(day).toEqual([v1, v2]);
    expect(all).toEqual([v1, v2]);
    expect(leaderboard.current('daily', 'day')!.version).toBe(v2);
    const v4 = await submit(DAILY, 'cid', 25); // into the top 2
    expect(day).toEqual([v1, v2, v4]);
    expect(global).toEqual([]);
    expect(leaderboard.version).toBe(0); // global's: nothing changed there

    const g = await submit(GLOBAL, 'zed', 1);
    expect(global).toEqual([g]);
    expect(leaderboard.version).toBe(g);
    expect(day).toEqual([v1, v2, v4]);
  });

  it('starts the next window at the version applied so far, tells its listeners, and never goes back', async () => {
    await submit(DAILY, 'ann', 30);
    const last = await submit(GLOBAL, 'zed', 1); // applied, but not a change of daily
    const day: number[] = [];
    leaderboard.onChange((v) => day.push(v), 'daily', 'day');

    vi.setSystemTime(SUNDAY);
    const sunday = leaderboard.current('daily', 'day')!;
    expect(sunday.window.key).toBe('day:2026-03-29');
    expect(sunday.users).toBe(0);
    expect(sunday.version).toBe(last);
    expect(day).toEqual([last]);

    const next = await submit(DAILY, 'bea', 5);
    expect(leaderboard.current('daily', 'day')!.version).toBe(next);
    await leaderboard.reload();
    expect(leaderboard.current('daily', 'day')!.version).toBe(next);
    expect(leaderboard.current('daily', 'day')!.standing('bea')).toEqual({
      user_id: 'bea',
      score: 5,
      rank: 1,
    });
    expect(day).toEqual([last, next, next]);
  });
});
