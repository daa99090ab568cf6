import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Board } from '../../server/domain/board.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { BoardReads, type WindowQuery } from '../../server/leaderboard/board-reads.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { testBoard } from '../helpers/boards.js';

// Reads of a board's windows, current (from the rank index) and past (from SQL), on SQLite
// with a fake clock: a window that ended answers from the database exactly what the rank
// index answered while it was current, with the same keyset pages.

/** A `total` board, higher is better, with a day window in UTC. */
const DAILY: Board = testBoard({ id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] });
/** A time trial: lower is better, each submission a run, the best one counts; days in Berlin. */
const SPRINT: Board = testBoard({
  id: 'sprint',
  order: 'asc',
  operator: 'best',
  rules: { min: 0, max: 1_000_000, maxChange: null, decrease: 'never' },
  windows: [{ kind: 'day', zone: 'Europe/Berlin' }],
});
const BOARDS = new Map([DAILY, SPRINT].map((board) => [board.id, board]));
const catalog = { get: (id: string) => BOARDS.get(id), list: () => [...BOARDS.values()] };

const at = (iso: string) => Date.parse(iso);
/** Saturday 2026-03-28 and the Sunday after (Berlin moves to summer time that night). */
const SATURDAY = at('2026-03-28T12:00:00Z');
const SUNDAY = at('2026-03-29T12:00:00Z');

let dir: string;
let storage: SqliteStorage;
let leaderboard: LeaderboardService;
let reads: BoardReads;
let action = 0;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(SATURDAY);
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-board-reads-'));
  storage = await SqliteStorage.open({ file: join(dir, 'db.sqlite'), sync: 'normal' });
  leaderboard = new LeaderboardService(storage.scores, catalog, 10, () => Date.now());
  await leaderboard.load();
  reads = new BoardReads(leaderboard, catalog, storage.scores);
});
afterEach(async () => {
  vi.useRealTimers();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Submits `value` for the user on the board (committed at the fake clock's instant). */
async function submit(board: Board, userId: string, value: number): Promise<void> {
  const outcome = await storage.scores.applyUpdate(
    { board, userId, actionId: `a${action++}`, newScore: value, subject: userId, ip: null },
    createJudge(board, false),
  );
  if (outcome.kind !== 'applied') throw new Error(`not applied: ${JSON.stringify(outcome)}`);
  await leaderboard.apply(outcome.committed);
}

/** Every entry of a window, page by page, and the cursors handed out on the way. */
async function walk(query: WindowQuery, limit: number) {
  const entries = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await reads.page(query, limit, cursor);
    if (!page.ok) throw new Error(page.refusal.message);
    entries.push(...page.value.page.entries);
    cursor = page.value.page.nextCursor ?? undefined;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return { entries, cursors };
}

/** What a read answers of the window besides its entries. */
const infoOf = async (query: WindowQuery) => {
  const page = await reads.page(query, 1, undefined);
  return page.ok ? page.value.info : page.refusal;
};

/** Every read of one window, as one value to compare across days. */
async function everything(query: WindowQuery, users: readonly string[]) {
  const standings = [];
  for (const user of users) {
    const standing = await reads.standing(query, user);
    const around = await reads.around(query, user, 2);
    standings.push([
      standing.ok ? standing.value.entry : standing.refusal,
      around.ok ? around.value.entries : around.refusal,
    ]);
  }
  const friends = await reads.ofUsers(query, [...users].reverse());
  return {
    pages: [(await walk(query, 1)).entries, (await walk(query, 2)).entries, (await walk(query, 50)).entries],
    standings,
    friends: friends.ok ? friends.value.entries : friends.refusal,
  };
}

describe('BoardReads', () => {
  it('answers an ended window from the database as the rank index answered it while it was current', async () => {
    // Saturday: ties (reached first wins), a user who raises their total, one who repeats it.
    for (const [user, total] of [
      ['ann', 30],
      ['bea', 50],
      ['cid', 30],
      ['dan', 10],
      ['eve', 50],
      ['ann', 60],
      ['cid', 30],
    ] as const) {
      await submit(DAILY, user, total);
    }
    const users = ['ann', 'bea', 'cid', 'dan', 'eve', 'nobody'];
    const saturday = await everything({ board: 'daily', window: 'day' }, users);
    expect(saturday.pages[0]).toEqual([
      { rank: 1, user_id: 'ann', score: 60 },
      { rank: 2, user_id: 'bea', score: 50 },
      { rank: 3, user_id: 'eve', score: 50 },
      { rank: 4, user_id: 'cid', score: 30 },
      { rank: 5, user_id: 'dan', score: 10 },
    ]);
    expect(saturday.pages[1]).toEqual(saturday.pages[0]);
    expect(saturday.pages[2]).toEqual(saturday.pages[0]);

    // Sunday: new totals count in the new day only; Saturday is read from SQL.
    vi.setSystemTime(SUNDAY);
    await submit(DAILY, 'dan', 100);
    await submit(DAILY, 'fay', 5);
    for (const query of [
      { board: 'daily', window: 'day', at: 'previous' },
      { board: 'daily', window: 'day', at: '2026-03-28' },
    ] as const) {
      expect(await everything(query, users)).toEqual(saturday);
    }
    expect((await walk({ board: 'daily', window: 'day' }, 10)).entries).toEqual([
      { rank: 1, user_id: 'dan', score: 90 }, // the points gained today: 100 - 10
      { rank: 2, user_id: 'fay', score: 5 },
    ]);
    expect((await walk({ board: 'daily' }, 10)).entries.map((e) => [e.user_id, e.score])).toEqual([
      ['dan', 100],
      ['ann', 60],
      ['bea', 50],
      ['eve', 50],
      ['cid', 30],
      ['fay', 5],
    ]);
  });

  it('names the window it answered from, its start and end, and the next reset', async () => {
    await submit(DAILY, 'ann', 1);
    vi.setSystemTime(SUNDAY);
    expect(await infoOf({ board: 'daily', window: 'day', at: 'previous' })).toEqual({
      board: 'daily',
      kind: 'day',
      key: 'day:2026-03-28',
      start: '2026-03-28T00:00:00.000Z',
      end: '2026-03-29T00:00:00.000Z',
      next_reset: '2026-03-30T00:00:00.000Z',
    });
    // Berlin's Sunday has 23 hours: summer time from 02:00.
    expect(await infoOf({ board: 'sprint', window: 'day' })).toEqual({
      board: 'sprint',
      kind: 'day',
      key: 'day:2026-03-29',
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
      next_reset: '2026-03-29T22:00:00.000Z',
    });
    expect(await infoOf({ board: 'sprint' })).toEqual({
      board: 'sprint',
      kind: 'all',
      key: 'all',
      start: null,
      end: null,
      next_reset: null,
    });
  });

  it('orders a lower-is-better board in SQL as in memory, the best run of each user', async () => {
    for (const [user, time] of [
      ['ann', 61_000],
      ['bea', 59_500],
      ['ann', 58_000],
      ['cid', 59_500],
      ['bea', 70_000], // a worse run: recorded, nothing moves
    ] as const) {
      await submit(SPRINT, user, time);
    }
    const today = await everything({ board: 'sprint', window: 'day' }, ['ann', 'bea', 'cid']);
    expect(today.pages[2]).toEqual([
      { rank: 1, user_id: 'ann', score: 58_000 },
      { rank: 2, user_id: 'bea', score: 59_500 },
      { rank: 3, user_id: 'cid', score: 59_500 },
    ]);
    vi.setSystemTime(SUNDAY);
    expect(
      await everything({ board: 'sprint', window: 'day', at: 'previous' }, ['ann', 'bea', 'cid']),
    ).toEqual(today);
  });

  it('hands out cursors of ended windows with the rank, and refuses one without it there', async () => {
    for (let i = 0; i < 5; i++) await submit(DAILY, `u${i}`, 10 * (i + 1));
    const current = await walk({ board: 'daily', window: 'day' }, 2);
    vi.setSystemTime(SUNDAY);
    const past = await walk({ board: 'daily', window: 'day', at: 'previous' }, 2);
    expect(past.entries).toEqual(current.entries);
    expect(past.cursors.map((c) => JSON.parse(Buffer.from(c, 'base64url').toString()))).toEqual([
      [40, 4, 'u3', 2],
      [20, 2, 'u1', 4],
    ]);
    // A cursor of the live window (no rank) does not page an ended one.
    expect(
      await reads.page({ board: 'daily', window: 'day', at: 'previous' }, 2, current.cursors[0]),
    ).toEqual({
      ok: false,
      refusal: { kind: 'invalid_input', status: 400, message: 'cursor: is not one this server gave out' },
    });
  });

  it('refuses an unknown board, a window the board does not keep, and a window that has not begun', async () => {
    const refusal = async (query: WindowQuery) => {
      const result = await reads.standing(query, 'ann');
      return result.ok ? result.value : result.refusal;
    };
    expect(await refusal({ board: 'nope' })).toEqual({
      kind: 'not_found',
      status: 404,
      message: 'No board "nope"',
    });
    expect(await refusal({ board: 'daily', window: 'week' })).toEqual({
      kind: 'invalid_input',
      status: 400,
      message: 'window: board "daily" keeps no week window (it keeps all, day)',
    });
    expect(await refusal({ board: 'daily', window: 'day', at: '2026-03-29' })).toEqual({
      kind: 'invalid_input',
      status: 400,
      message: 'at: the day window of 2026-03-29 has not started yet',
    });
    expect(await refusal({ board: 'daily', window: 'day', at: '2026-03-28' })).toEqual({
      kind: 'not_found',
      status: 404,
      message: 'No score for user "ann"',
    });
  });
});
