import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Board, BoardOrder } from '../../server/domain/board.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { BoardReads, RANK_MARKS_SETTLE_MS } from '../../server/leaderboard/board-reads.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import type { Storage } from '../../server/storage/storage.js';
import type { LeaderboardEntry } from '../../shared/schemas.js';
import { testBoard } from '../helpers/boards.js';

/** A season long begun when the suite starts: every write of a test counts in it. */
const SEASON_1 = Date.now() - 86_400_000;
/** The season's window as stored. */
const SEASON_1_KEY = 'season:1';

/** A board whose season 1 holds the runs; `ended`: the instant season 2 started, if it has. */
function seasonBoard(id: string, order: BoardOrder, ended?: number): Board {
  return testBoard({
    id,
    order,
    operator: 'best',
    rules: { min: 0, max: 1000, maxChange: null, decrease: 'never' },
    windows: [{ kind: 'season', zone: 'UTC', seasons: ended === undefined ? [SEASON_1] : [SEASON_1, ended] }],
  });
}

type Row = [rank: number, user: string, score: number];
const row = (e: LeaderboardEntry): Row => [e.rank, e.user_id, e.score];

/**
 * Ranks in windows that ended, on a storage: read from rank marks (every K-th record of the
 * window, written by the first rank read there), they equal the ranks counted row by row, in
 * either order, with ties, and whatever K. Real clocks: a season ends when the next starts, so
 * the same suite runs on PostgreSQL, whose commits take the database's clock.
 */
export function pastWindowRanksContract(
  name: string,
  open: () => Promise<{ storage: Storage; close(): Promise<void> }>,
): void {
  describe(`Ranks in past windows: ${name}`, () => {
    let t: { storage: Storage; close(): Promise<void> };
    const boards = new Map<string, Board>();
    const catalog = { get: (id: string) => boards.get(id), list: () => [...boards.values()] };
    let leaderboard: LeaderboardService;
    let made = 0;
    let action = 0;

    beforeEach(async () => {
      t = await open();
      leaderboard = new LeaderboardService(t.storage.scores, catalog, 10);
      await leaderboard.load();
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      await t.close();
    });

    /**
     * A board whose season 1 holds these runs (user, score) in this order, and ended: its id,
     * and the season's records walked page by page (ranks from the keyset pages alone).
     */
    async function endedSeason(order: BoardOrder, runs: ReadonlyArray<readonly [string, number]>) {
      const id = `ranks-${++made}`;
      const open = seasonBoard(id, order);
      for (const [userId, value] of runs) {
        const command = {
          board: open,
          userId,
          actionId: `a${++action}`,
          newScore: value,
          subject: userId,
          ip: null,
        };
        const outcome = await t.storage.scores.applyUpdate(command, createJudge(open, false));
        if (outcome.kind !== 'applied') throw new Error(`not applied: ${JSON.stringify(outcome)}`);
      }
      boards.set(id, seasonBoard(id, order, Date.now()));
      const walked: Row[] = [];
      let cursor: string | undefined;
      do {
        const page = ok(await reads(1000).page(previous(id), 3, cursor));
        walked.push(...page.page.entries.map(row));
        cursor = page.page.nextCursor ?? undefined;
      } while (cursor);
      return { id, walked };
    }

    const reads = (spacing: number) => new BoardReads(leaderboard, catalog, t.storage.scores, spacing);
    const previous = (board: string) => ({ board, window: 'season' as const, at: 'previous' });

    it('ranks each user of an ended window from its marks as counting each row does, friends too', async () => {
      const runs = fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 6 })), {
        minLength: 1,
        maxLength: 24,
      });
      await fc.assert(
        fc.asyncProperty(
          runs,
          fc.constantFrom<BoardOrder>('asc', 'desc'),
          fc.integer({ min: 1, max: 5 }),
          fc.array(fc.integer({ min: 0, max: 13 }), { maxLength: 12 }),
          async (generated, order, spacing, friendIndexes) => {
            // Scores 10..60 by tens: many ties, which the first to reach a score wins.
            const { id, walked } = await endedSeason(
              order,
              generated.map(([user, score]) => [`u${user}`, score * 10] as const),
            );
            const ref = { boardId: id, windowKey: SEASON_1_KEY };
            // Counted row by row, as before the marks.
            const counted: Row[] = [];
            for (const [, user, score] of walked) {
              const [record] = await t.storage.scores.windowRecords(ref, [user]);
              counted.push([(await t.storage.scores.countBefore(ref, order, record!)) + 1, user, score]);
            }
            expect(counted).toEqual(walked);

            // From the marks, the first reads all at once: they write the marks once between them.
            const direct = vi.spyOn(t.storage.scores, 'countBefore');
            const read = reads(spacing);
            const standings = await Promise.all(walked.map(([, user]) => read.standing(previous(id), user)));
            expect(standings.map((s) => row(ok(s).entry))).toEqual(walked);
            for (const [index, [, user]] of walked.entries()) {
              const around = ok(await read.around(previous(id), user, 2));
              expect(around.entries.map(row)).toEqual(walked.slice(Math.max(0, index - 2), index + 3));
            }
            const friends = friendIndexes.map((i) => `u${i}`);
            const named = new Set(friends);
            expect(ok(await read.ofUsers(previous(id), friends)).entries.map(row)).toEqual(
              walked.filter(([, user]) => named.has(user)),
            );
            expect(direct).not.toHaveBeenCalled();
            direct.mockRestore();
          },
        ),
        { numRuns: 20 },
      );
    });

    it('writes the marks again after an erasure takes a user from the ended window', async () => {
      const { id, walked } = await endedSeason('desc', [
        ['ann', 50],
        ['bea', 40],
        ['cid', 40],
        ['dov', 30],
        ['eli', 20],
        ['fay', 10],
      ]);
      const read = reads(2);
      const ranks = async () =>
        ok(await read.ofUsers(previous(id), ['ann', 'bea', 'cid', 'dov', 'eli', 'fay'])).entries.map(row);
      expect(await ranks()).toEqual(walked);
      await t.storage.eraseUser('bea', 'admin');
      expect(await ranks()).toEqual([
        [1, 'ann', 50],
        [2, 'cid', 40],
        [3, 'dov', 30],
        [4, 'eli', 20],
        [5, 'fay', 10],
      ]);
    });

    it('counts row by row while a day may still take a late commit, from marks once it settled', async () => {
      const id = `ranks-${++made}`;
      const daily = testBoard({ id, windows: [{ kind: 'day', zone: 'UTC' }] });
      boards.set(id, daily);
      for (const [userId, value] of [
        ['ann', 30],
        ['bob', 20],
      ] as const) {
        const command = {
          board: daily,
          userId,
          actionId: `a${++action}`,
          newScore: value,
          subject: userId,
          ip: null,
        };
        await t.storage.scores.applyUpdate(command, createJudge(daily, false));
      }
      const today = new Date().toISOString().slice(0, 10);
      const end = Date.parse(`${today}T00:00:00Z`) + 86_400_000;
      const direct = vi.spyOn(t.storage.scores, 'countBefore');
      const marked = vi.spyOn(t.storage.scores, 'countBeforeEnded');
      const dayOf = { board: id, window: 'day' as const, at: today };
      const reader = (now: number) =>
        new BoardReads(
          new LeaderboardService(t.storage.scores, catalog, 10, () => now),
          catalog,
          t.storage.scores,
          1,
        );
      const expected = [
        [1, 'ann', 30],
        [2, 'bob', 20],
      ];
      const friends = async (now: number) =>
        ok(await reader(now).ofUsers(dayOf, ['bob', 'ann'])).entries.map(row);
      expect(await friends(end + RANK_MARKS_SETTLE_MS - 1)).toEqual(expected);
      expect([direct.mock.calls.length, marked.mock.calls.length]).toEqual([2, 0]);
      expect(await friends(end + RANK_MARKS_SETTLE_MS)).toEqual(expected);
      expect([direct.mock.calls.length, marked.mock.calls.length]).toEqual([2, 2]);
    });
  });
}

function ok<T>(result: { ok: true; value: T } | { ok: false; refusal: { message: string } }): T {
  if (!result.ok) throw new Error(result.refusal.message);
  return result.value;
}
