import { noScoreMessage } from '../../shared/read-refusals.js';
import type { BoardSummary, CurrentWindow, LeaderboardEntry, WindowInfo } from '../../shared/schemas.js';
import type { Board, WindowKind } from '../domain/board.js';
import { nextReset, type BoardWindow, type WindowSpec } from '../domain/board-window.js';
import { windowOf } from '../domain/board-windows.js';
import { decodeCursor, encodeCursor } from '../domain/page-cursor.js';
import { unknownBoard } from '../boards/board-refusals.js';
import { refuse, type Refusal } from '../domain/refusal.js';
import type { Result } from '../domain/result.js';
import { selectWindow } from '../domain/window-selector.js';
import type { ScoreRecord } from '../domain/score-record.js';
import { RANK_MARK_SPACING } from '../storage/queries/rank-marks.js';
import type { ScoreStore, WindowRef } from '../storage/storage.js';
import type { BoardCatalog, LeaderboardService } from './leaderboard.service.js';
import { entriesFrom, type BoardPage, type WindowView } from './window-view.js';

/** Which window a read names (every field optional: `global`, `all`, `current`). */
export interface WindowQuery {
  readonly board?: string | undefined;
  readonly window?: WindowKind | undefined;
  readonly at?: string | undefined;
}

/** A board's schedule of one kind of window. */
export interface Schedule {
  readonly board: Board;
  readonly kind: WindowKind;
  readonly spec: WindowSpec;
}

/** A window a read resolved to: in memory (the current one) or in the database (ended). */
interface Resolved {
  readonly board: Board;
  readonly info: WindowInfo;
  readonly ref: WindowRef;
  readonly live: WindowView | undefined;
  /** Whether the window ended long enough ago that nothing can commit in it any more. */
  readonly settled: boolean;
}

/**
 * How long after a day, week or month ends its ranks are still counted row by row rather than
 * from rank marks: a write commits in the window of its commit instant, taken from the
 * database's clock on PostgreSQL, so one may still land in a window this instance's clock says
 * has ended, as long as clocks differ and a commit takes. A season ends when the start of the
 * next one commits: nothing lands in it after that.
 */
export const RANK_MARKS_SETTLE_MS = 30_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const BAD_CURSOR = refuse('invalid_input', 'cursor: is not one this server gave out');

/**
 * Every read of a board's window, current or past, by the same rules: the board must exist
 * (404), keep the kind of window (400), and the date must name a window that has begun (400).
 * The current window is answered from memory; a past one from the database, with the same
 * keyset pages (its cursor also carries the rank, as an ended window never changes).
 */
export class BoardReads {
  constructor(
    private readonly leaderboard: LeaderboardService,
    private readonly boards: BoardCatalog,
    private readonly scores: ScoreStore,
    /** Records between two rank marks of a window that ended (see ScoreStore.countBeforeEnded). */
    private readonly rankMarkSpacing = RANK_MARK_SPACING,
  ) {}

  /** `limit` entries of the window after the cursor (from the top without one). */
  async page(
    query: WindowQuery,
    limit: number,
    cursor: string | undefined,
  ): Promise<Result<{ info: WindowInfo; page: BoardPage }>> {
    const resolved = this.resolve(query);
    if (!resolved.ok) return resolved;
    const { info, live, ref, board } = resolved.value;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) return { ok: false, refusal: BAD_CURSOR };
    if (live) return { ok: true, value: { info, page: live.page(limit, after) } };
    // An ended window: the cursor's rank says where the page starts.
    if (after && after.rank === undefined) return { ok: false, refusal: BAD_CURSOR };
    const first = after?.rank ?? 0;
    const records = await this.scores.windowPage(ref, board.order, after, limit + 1);
    const more = records.length > limit;
    const shown = more ? records.slice(0, limit) : records;
    const last = shown.at(-1);
    return {
      ok: true,
      value: {
        info,
        page: {
          entries: entriesFrom(shown, first),
          nextCursor: more && last ? encodeCursor(last, first + shown.length) : null,
        },
      },
    };
  }

  /** A user's score and rank in the window; NOT_FOUND when they have none there. */
  async standing(
    query: WindowQuery,
    userId: string,
  ): Promise<Result<{ info: WindowInfo; entry: LeaderboardEntry }>> {
    const resolved = this.resolve(query);
    if (!resolved.ok) return resolved;
    const { info, live, ref } = resolved.value;
    if (live) {
      const standing = live.standing(userId);
      if (!standing) return noScore(userId);
      return {
        ok: true,
        value: { info, entry: { rank: standing.rank, user_id: userId, score: standing.score } },
      };
    }
    const [record] = await this.scores.windowRecords(ref, [userId]);
    if (!record) return noScore(userId);
    const rank = (await this.countBefore(resolved.value, record)) + 1;
    return { ok: true, value: { info, entry: { rank, user_id: userId, score: record.score } } };
  }

  /** Up to `radius` users above the user, the user, up to `radius` below. */
  async around(
    query: WindowQuery,
    userId: string,
    radius: number,
  ): Promise<Result<{ info: WindowInfo; entries: LeaderboardEntry[] }>> {
    const resolved = this.resolve(query);
    if (!resolved.ok) return resolved;
    const { info, live, ref, board } = resolved.value;
    if (live) {
      const entries = live.around(userId, radius);
      return entries ? { ok: true, value: { info, entries } } : noScore(userId);
    }
    const [record] = await this.scores.windowRecords(ref, [userId]);
    if (!record) return noScore(userId);
    const position = await this.countBefore(resolved.value, record);
    const first = Math.max(0, position - radius);
    const above = await this.scores.windowPageBefore(ref, board.order, record, position - first);
    const below = await this.scores.windowPage(ref, board.order, record, radius);
    return { ok: true, value: { info, entries: entriesFrom([...above, record, ...below], first) } };
  }

  /** The named users who have a score in the window, in its order, each with their rank there. */
  async ofUsers(
    query: WindowQuery,
    userIds: readonly string[],
  ): Promise<Result<{ info: WindowInfo; entries: LeaderboardEntry[] }>> {
    const resolved = this.resolve(query);
    if (!resolved.ok) return resolved;
    const { info, live, ref } = resolved.value;
    const entries: LeaderboardEntry[] = [];
    if (live) {
      for (const userId of new Set(userIds)) {
        const standing = live.standing(userId);
        if (standing) entries.push({ rank: standing.rank, user_id: userId, score: standing.score });
      }
    } else {
      // Each rank in O(log n + spacing) once the window has settled: at most 100 of them, asked
      // together (PostgreSQL answers them on the pool's connections at once). Before it has
      // settled each is a count of the rows ahead, so they are asked one at a time: a few such
      // requests must not take every connection the writes need.
      const records = await this.scores.windowRecords(ref, userIds);
      const count = (record: ScoreRecord) => this.countBefore(resolved.value, record);
      const ahead: number[] = [];
      if (resolved.value.settled) ahead.push(...(await Promise.all(records.map(count))));
      else for (const record of records) ahead.push(await count(record));
      records.forEach((record, i) =>
        entries.push({ rank: ahead[i]! + 1, user_id: record.userId, score: record.score }),
      );
    }
    entries.sort((a, b) => a.rank - b.rank);
    return { ok: true, value: { info, entries } };
  }

  /** How many records of a window read from the database come before the record. */
  private countBefore({ ref, board, settled }: Resolved, record: ScoreRecord): Promise<number> {
    return settled
      ? this.scores.countBeforeEnded(ref, board.order, record, this.rankMarkSpacing)
      : this.scores.countBefore(ref, board.order, record);
  }

  /**
   * The boards that take scores (archived ones are left out), by id, each with the window of
   * every kind it keeps that is in force now. As many as the registry holds, which is bounded
   * (OPEN_BOARDS_MAX boards that are not archived, each with at most five windows).
   */
  list(): BoardSummary[] {
    const now = this.leaderboard.now();
    return this.boards
      .list()
      .filter((board) => !board.archived)
      .map(({ id, title, order, operator, windows }) => ({
        id,
        title,
        order,
        operator,
        windows: [...windows].map(([kind, spec]) => windowTimes(kind, spec, windowOf(spec, now), now)),
      }));
  }

  /**
   * The board and kind of window a query names, or why it names none: an unknown board (404),
   * a kind the board does not keep (400). Reads and live subscriptions resolve by it.
   */
  schedule(query: Omit<WindowQuery, 'at'>): Result<Schedule> {
    const boardId = query.board ?? 'global';
    const board = this.boards.get(boardId);
    if (!board) return { ok: false, refusal: unknownBoard(boardId) };
    const kind = query.window ?? 'all';
    const spec = board.windows.get(kind);
    if (!spec) return { ok: false, refusal: windowNotKept(board, kind) };
    return { ok: true, value: { board, kind, spec } };
  }

  /** The board, window kind and window a read names, or why it names none. */
  private resolve(query: WindowQuery): Result<Resolved> {
    const scheduled = this.schedule(query);
    if (!scheduled.ok) return scheduled;
    const { board, kind, spec } = scheduled.value;
    const now = this.leaderboard.now();
    const selected = selectWindow(spec, query.at, now);
    if (!selected.ok) return selected;
    const window = selected.value;
    const live = this.leaderboard.current(board.id, kind);
    const info = windowInfo(board.id, kind, spec, window, now);
    const ref = { boardId: board.id, windowKey: window.key };
    const settle = kind === 'season' ? 0 : RANK_MARKS_SETTLE_MS;
    const settled = window.endMs !== null && now >= window.endMs + settle;
    return {
      ok: true,
      value: { board, info, ref, live: live?.window.key === window.key ? live : undefined, settled },
    };
  }
}

/** What a read's answer says of its window. */
export function windowInfo(
  boardId: string,
  kind: WindowKind,
  spec: WindowSpec,
  window: BoardWindow,
  now: number,
): WindowInfo {
  return { board: boardId, ...windowTimes(kind, spec, window, now) };
}

/** What names a window besides its board: its kind, key, instants, and the next reset of its kind. */
function windowTimes(kind: WindowKind, spec: WindowSpec, window: BoardWindow, now: number): CurrentWindow {
  return {
    kind,
    key: window.key,
    start: iso(window.startMs),
    end: iso(window.endMs),
    next_reset: iso(nextReset(spec, now)),
  };
}

function windowNotKept(board: Board, kind: string): Refusal {
  return refuse(
    'invalid_input',
    `window: board ${JSON.stringify(board.id)} keeps no ${kind} window (it keeps ${[...board.windows.keys()].join(', ')})`,
  );
}

function noScore(userId: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: refuse('not_found', noScoreMessage(userId)) };
}
