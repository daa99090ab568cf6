import { describe, expect, it } from 'vitest';
import type { Board } from '../../server/domain/board.js';
import type { ScoreRecord } from '../../server/domain/score-record.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import type { ScoreStore } from '../../server/storage/storage.js';
import { testBoard } from '../helpers/boards.js';

const S1 = Date.parse('2026-01-01T00:00:00Z');
const S2 = S1 + 86_400_000;
const seasonal = (seasons: number[]) =>
  testBoard({ id: 'ranked', windows: [{ kind: 'season', zone: 'UTC', seasons }] });

/**
 * The boards as an instance holds them, until `refresh` reads what the database holds (another
 * instance started a season or created a board); `release` lets a slow refresh finish.
 */
function catalogOf(held: Board[], stored: Board[], slow = false) {
  let boards = held;
  let release = () => {};
  const gate = slow ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const catalog = {
    refreshes: 0,
    get: (id: string) => boards.find((b) => b.id === id),
    list: () => boards,
    refresh: async () => {
      catalog.refreshes += 1;
      await gate;
      boards = stored;
      return true;
    },
  };
  return { catalog, release: () => release() };
}

const noScores = {
  windows: async () => 0,
  epoch: async () => 'epoch-1',
} as unknown as ScoreStore;

const record = (userId: string, score: number, reachedSeq: number): ScoreRecord => ({
  userId,
  score,
  reachedSeq,
});
const change = (boardId: string, windowKey: string, r: ScoreRecord) => ({
  boardId,
  windowKey,
  userId: r.userId,
  record: r,
});

describe('a change of a season or a board this instance has not heard of yet', () => {
  it('reads the boards again, then applies it in its window', async () => {
    const { catalog } = catalogOf([seasonal([S1])], [seasonal([S1, S2])]);
    const leaderboard = new LeaderboardService(noScores, catalog, 10);
    await leaderboard.load();
    expect(leaderboard.current('ranked', 'season')!.window.key).toBe('season:1');
    const bob = record('bob', 40, 1);
    await leaderboard.apply({
      version: 1,
      changes: [change('ranked', 'all', bob), change('ranked', 'season:2', bob)],
    });
    expect(catalog.refreshes).toBe(1);
    const season = leaderboard.current('ranked', 'season')!;
    expect([season.window.key, season.index.slice(0, 10)]).toEqual(['season:2', [bob]]);
    // A change it can place reads nothing.
    await leaderboard.apply({ version: 2, changes: [change('ranked', 'season:2', record('bob', 45, 2))] });
    expect(catalog.refreshes).toBe(1);
  });

  it('applies the changes after it in order, once the boards are read', async () => {
    const fresh = testBoard({ id: 'fresh' });
    const { catalog, release } = catalogOf([seasonal([S1])], [seasonal([S1]), fresh], true);
    const leaderboard = new LeaderboardService(noScores, catalog, 10);
    await leaderboard.load();
    const first = leaderboard.apply({ version: 1, changes: [change('fresh', 'all', record('ann', 10, 1))] });
    const second = leaderboard.apply({ version: 2, changes: [change('fresh', 'all', record('ann', 20, 2))] });
    const third = leaderboard.apply({ version: 3, changes: [change('ranked', 'all', record('cy', 5, 3))] });
    expect(leaderboard.appliedVersion).toBe(0);
    release();
    await Promise.all([first, second, third]);
    expect(leaderboard.appliedVersion).toBe(3);
    expect(leaderboard.current('fresh', 'all')!.index.slice(0, 10)).toEqual([record('ann', 20, 2)]);
    expect(leaderboard.current('ranked', 'all')!.index.slice(0, 10)).toEqual([record('cy', 5, 3)]);
    expect(catalog.refreshes).toBe(1);
  });
});
