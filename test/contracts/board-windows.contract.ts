import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Board } from '../../server/domain/board.js';
import type { UpdateOutcome } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { BoardReads } from '../../server/leaderboard/board-reads.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import type { Storage } from '../../server/storage/storage.js';
import { testBoard } from '../helpers/boards.js';

/** A time trial: lower is better, the best run counts; a day in Berlin. */
const trial = testBoard({
  id: 'trial',
  order: 'asc',
  operator: 'best',
  rules: { min: 1, max: 1_000_000, maxChange: null, decrease: 'never' },
  windows: [{ kind: 'day', zone: 'Europe/Berlin' }],
});
/** Today's contract with a week that starts on Monday in Auckland. */
const weekly = testBoard({
  id: 'weekly',
  windows: [{ kind: 'week', zone: 'Pacific/Auckland', weekStartsOn: 1 }],
});
/** Points added up, by month in UTC. */
const points = testBoard({
  id: 'points',
  operator: 'increment',
  rules: { min: 0, max: 1000, maxChange: 10, decrease: 'never' },
  windows: [{ kind: 'month', zone: 'UTC' }],
});
/** The last submission counts. */
const latest = testBoard({
  id: 'latest',
  operator: 'latest',
  rules: { min: 0, max: 100, maxChange: null, decrease: 'never' },
});

const BOARDS = new Map<string, Board>([trial, weekly, points, latest].map((b) => [b.id, b]));
const catalog = { get: (id: string) => BOARDS.get(id), list: () => [...BOARDS.values()] };
const at = (iso: string) => vi.setSystemTime(new Date(iso));

/**
 * Boards, operators and windows against a storage, with a fake clock: what a write at an
 * instant counts in, what the current window holds in memory, and what past windows answer
 * from the database. The same suite runs on every storage.
 */
export function boardWindowsContract(
  name: string,
  open: () => Promise<{ storage: Storage; close(): Promise<void> }>,
): void {
  describe(`Boards and windows: ${name}`, () => {
    let t: { storage: Storage; close(): Promise<void> };
    let leaderboard: LeaderboardService;
    let reads: BoardReads;
    let action = 0;

    beforeEach(async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      at('2026-03-28T10:00:00Z');
      t = await open();
      leaderboard = new LeaderboardService(t.storage.scores, catalog, 10);
      await leaderboard.load();
      reads = new BoardReads(leaderboard, catalog, t.storage.scores);
    });
    afterEach(async () => {
      vi.useRealTimers();
      await t.close();
    });

    /** Submits as the user's own token, and applies the commit to the in-memory boards. */
    async function submit(board: Board, userId: string, value: number): Promise<UpdateOutcome> {
      const command = { board, userId, actionId: `a${++action}`, newScore: value, subject: userId, ip: null };
      const outcome = await t.storage.scores.applyUpdate(command, createJudge(board, false));
      if (outcome.kind === 'applied') await leaderboard.apply(outcome.committed);
      return outcome;
    }

    const page = async (board: string, window?: 'all' | 'day' | 'week' | 'month', when?: string) => {
      const result = await reads.page({ board, window, at: when }, 100, undefined);
      if (!result.ok) throw new Error(result.refusal.message);
      return result.value.page.entries.map((e) => [e.rank, e.user_id, e.score]);
    };

    it('keeps the best run of a time trial, lowest first, per day in Berlin; a worse run is recorded and changes nothing', async () => {
      expect(await submit(trial, 'alice', 50)).toMatchObject({ kind: 'applied', changed: true });
      expect(await submit(trial, 'bob', 45)).toMatchObject({ kind: 'applied', changed: true });
      expect(await submit(trial, 'alice', 40)).toMatchObject({
        kind: 'applied',
        changed: true,
        previousScore: 50,
      });
      expect(await submit(trial, 'alice', 44)).toMatchObject({
        kind: 'applied',
        changed: false,
        previousScore: 40,
        record: { score: 40 },
      });
      expect(await page('trial')).toEqual([
        [1, 'alice', 40],
        [2, 'bob', 45],
      ]);
      expect(await page('trial', 'day')).toEqual([
        [1, 'alice', 40],
        [2, 'bob', 45],
      ]);
      // Midnight in Berlin (UTC+1 until the 29th): a new day, whose best is its own.
      at('2026-03-28T23:00:00Z');
      expect(await page('trial', 'day')).toEqual([]);
      await submit(trial, 'alice', 47);
      expect(await page('trial', 'day')).toEqual([[1, 'alice', 47]]);
      expect(await page('trial')).toEqual([
        [1, 'alice', 40],
        [2, 'bob', 45],
      ]);
      // The day before, read from the database, never changes again.
      expect(await page('trial', 'day', 'previous')).toEqual([
        [1, 'alice', 40],
        [2, 'bob', 45],
      ]);
      expect(await page('trial', 'day', '2026-03-28')).toEqual(await page('trial', 'day', 'previous'));
    });

    it('counts the points a total gained within each week, and the total on the whole board', async () => {
      // Monday 2026-03-23 00:00 in Auckland (UTC+13) is 2026-03-22T11:00Z.
      at('2026-03-22T11:00:00Z');
      await submit(weekly, 'alice', 100);
      await submit(weekly, 'alice', 150);
      await submit(weekly, 'bob', 120);
      at('2026-03-29T10:59:59.999Z'); // the last instant of that week in Auckland
      await submit(weekly, 'bob', 130);
      expect(await page('weekly', 'week')).toEqual([
        [1, 'alice', 150],
        [2, 'bob', 130],
      ]);
      at('2026-03-29T11:00:00Z'); // Monday again in Auckland: the next week
      await submit(weekly, 'alice', 170);
      expect(await page('weekly', 'week')).toEqual([[1, 'alice', 20]]);
      expect(await page('weekly')).toEqual([
        [1, 'alice', 170],
        [2, 'bob', 130],
      ]);
      expect(await page('weekly', 'week', 'previous')).toEqual([
        [1, 'alice', 150],
        [2, 'bob', 130],
      ]);
    });

    it('adds increments within their bounds, per month, and names a leap day', async () => {
      at('2028-02-28T23:59:00Z');
      await submit(points, 'carol', 7);
      expect(await submit(points, 'carol', 11)).toMatchObject({
        kind: 'refused',
        refusal: { message: 'new_score 11 is an increment; one update may add at most 10' },
      });
      at('2028-02-29T12:00:00Z');
      await submit(points, 'carol', 5);
      at('2028-03-01T00:00:00Z');
      await submit(points, 'carol', 1);
      expect(await page('points', 'month')).toEqual([[1, 'carol', 1]]);
      expect(await page('points', 'month', '2028-02-29')).toEqual([[1, 'carol', 12]]);
      expect(await page('points')).toEqual([[1, 'carol', 13]]);
    });

    it('lets the last submission count, down as well as up', async () => {
      await submit(latest, 'dave', 80);
      await submit(latest, 'dave', 30);
      expect(await page('latest')).toEqual([[1, 'dave', 30]]);
    });

    it('pages an ended window from the database with the same keyset, ranks carried in the cursor', async () => {
      for (let i = 0; i < 25; i++) await submit(trial, `u${String(i).padStart(2, '0')}`, 100 + (i % 7));
      const live = await page('trial', 'day');
      at('2026-03-29T12:00:00Z');
      const walked: unknown[] = [];
      let cursor: string | undefined;
      do {
        const result = await reads.page({ board: 'trial', window: 'day', at: 'previous' }, 4, cursor);
        if (!result.ok) throw new Error(result.refusal.message);
        walked.push(...result.value.page.entries.map((e) => [e.rank, e.user_id, e.score]));
        cursor = result.value.page.nextCursor ?? undefined;
      } while (cursor);
      expect(walked).toEqual(live);
      const u10 = live.find((e) => e[1] === 'u10')!;
      const standing = await reads.standing({ board: 'trial', window: 'day', at: 'previous' }, 'u10');
      expect(standing).toMatchObject({ ok: true, value: { entry: { rank: u10[0], score: u10[2] } } });
      const around = await reads.around({ board: 'trial', window: 'day', at: 'previous' }, 'u10', 2);
      const index = live.indexOf(u10);
      expect(around.ok && around.value.entries.map((e) => [e.rank, e.user_id, e.score])).toEqual(
        live.slice(index - 2, index + 3),
      );
      // A cursor of the current window (no rank) is not one an ended window gave out.
      const current = await reads.page({ board: 'trial', window: 'all' }, 4, undefined);
      const foreign = current.ok ? current.value.page.nextCursor! : '';
      expect(await reads.page({ board: 'trial', window: 'day', at: 'previous' }, 4, foreign)).toMatchObject({
        ok: false,
        refusal: { status: 400 },
      });
    });

    it('ranks friends on the whole window, in its order, leaving out those without a score', async () => {
      await submit(trial, 'alice', 50);
      await submit(trial, 'bob', 45);
      await submit(trial, 'carol', 60);
      const friends = await reads.ofUsers({ board: 'trial' }, ['carol', 'nobody', 'alice', 'carol']);
      expect(friends.ok && friends.value.entries).toEqual([
        { rank: 2, user_id: 'alice', score: 50 },
        { rank: 3, user_id: 'carol', score: 60 },
      ]);
      at('2026-03-29T12:00:00Z');
      const past = await reads.ofUsers({ board: 'trial', window: 'day', at: 'previous' }, ['carol', 'bob']);
      expect(past.ok && past.value.entries).toEqual([
        { rank: 1, user_id: 'bob', score: 45 },
        { rank: 3, user_id: 'carol', score: 60 },
      ]);
    });

    it('names the window and the next reset, and refuses an unknown board, a window not kept, a date with no window', async () => {
      at('2026-03-29T12:00:00Z'); // Berlin is on summer time since 01:00 UTC: this day is 23 hours long
      const result = await reads.page({ board: 'trial', window: 'day' }, 1, undefined);
      expect(result.ok && result.value.info).toEqual({
        board: 'trial',
        kind: 'day',
        key: 'day:2026-03-29',
        start: '2026-03-28T23:00:00.000Z',
        end: '2026-03-29T22:00:00.000Z',
        next_reset: '2026-03-29T22:00:00.000Z',
      });
      expect(await reads.page({ board: 'nope' }, 1, undefined)).toMatchObject({
        ok: false,
        refusal: { status: 404, message: 'No board "nope"' },
      });
      expect(await reads.page({ board: 'trial', window: 'week' }, 1, undefined)).toMatchObject({
        ok: false,
        refusal: { status: 400, message: 'window: board "trial" keeps no week window (it keeps all, day)' },
      });
      expect(
        await reads.page({ board: 'trial', window: 'day', at: '2026-02-30' }, 1, undefined),
      ).toMatchObject({
        ok: false,
        refusal: { status: 400 },
      });
      expect(
        await reads.page({ board: 'trial', window: 'day', at: '2027-01-01' }, 1, undefined),
      ).toMatchObject({
        ok: false,
        refusal: { status: 400, message: 'at: the day window of 2027-01-01 has not started yet' },
      });
    });

    it('counts a write in flight at a reset in the window its commit falls in, never in both', async () => {
      const daily = testBoard({ id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] });
      BOARDS.set(daily.id, daily);
      try {
        at('2026-03-28T23:59:59.000Z');
        const totals = new Map<string, number>();
        const round = (n: number) =>
          Array.from({ length: 8 }, (_, u) => {
            const user = `p${u}`;
            const total = (totals.get(user) ?? 0) + 1 + ((u + n) % 5);
            totals.set(user, total);
            return submit(daily, user, total);
          });
        await Promise.all([...round(0), ...round(1)]); // committed before midnight
        const beforeMidnight = new Map(totals);
        const inFlight = round(2); // submitted before midnight, queued for the next commit
        at('2026-03-29T00:00:00.000Z');
        const outcomes = await Promise.all([...inFlight, ...round(3), ...round(4)]);
        expect(outcomes.every((o) => o.kind === 'applied')).toBe(true);
        const entries = (rows: Array<Array<string | number>>) =>
          new Map(rows.map(([, user, score]) => [user, score]));
        const previous = entries(await page('daily', 'day', 'previous'));
        const current = entries(await page('daily', 'day'));
        expect(entries(await page('daily'))).toEqual(totals);
        // The day before holds exactly what committed before midnight; the writes in flight
        // counted in the new day, whose points add up with it to each total.
        expect(previous).toEqual(beforeMidnight);
        for (const [user, total] of totals) expect(current.get(user)).toBe(total - beforeMidnight.get(user)!);
      } finally {
        BOARDS.delete(daily.id);
      }
    });

    it('rolls a window over when a change of a later one arrives before this clock shows it', async () => {
      at('2026-03-28T22:59:59.000Z');
      await submit(trial, 'alice', 50);
      const behind = new LeaderboardService(t.storage.scores, catalog, 10, () =>
        Date.parse('2026-03-28T22:59:59Z'),
      );
      await behind.load();
      at('2026-03-28T23:00:00.500Z'); // the writer's clock has passed midnight in Berlin
      const outcome = await submit(trial, 'bob', 40);
      if (outcome.kind !== 'applied') throw new Error('not applied');
      await behind.apply(outcome.committed);
      const day = behind.current('trial', 'day')!;
      expect(day.window.key).toBe('day:2026-03-29');
      expect(day.page(10).entries).toEqual([{ rank: 1, user_id: 'bob', score: 40 }]);
    });
  });
}
