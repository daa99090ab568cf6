import type { LeaderboardEntry } from '../../shared/schemas.js';
import type { BoardOrder } from '../domain/board.js';
import type { BoardWindow } from '../domain/board-window.js';
import { encodeCursor } from '../domain/page-cursor.js';
import { RankIndex } from '../domain/rank-index.js';
import type { ScoreRecord } from '../domain/score-record.js';

/** One page of a window, and the cursor of the next (null after the last). */
export interface BoardPage {
  readonly entries: LeaderboardEntry[];
  readonly nextCursor: string | null;
}

/** A user's place in a window. */
export interface Standing {
  readonly user_id: string;
  readonly score: number;
  readonly rank: number;
}

export const entriesFrom = (records: readonly ScoreRecord[], first: number): LeaderboardEntry[] =>
  records.map((r, i) => ({ rank: first + i + 1, user_id: r.userId, score: r.score }));

/**
 * The current window of one board's schedule, all of it in memory (a rank index): the top N,
 * any user's rank, the users around them and any page, without the database.
 */
export class WindowView {
  readonly index: RankIndex;
  /**
   * The version of the last change to its top N, or of the moment the window began here:
   * what live events of this window are numbered by (see LeaderboardService).
   */
  version = 0;

  constructor(
    /** The window this view holds; a later one replaces the view (a reset). */
    readonly window: BoardWindow,
    /** The board's order. */
    order: BoardOrder,
  ) {
    this.index = new RankIndex(undefined, order);
  }

  /** Users in the window. */
  get users(): number {
    return this.index.size;
  }

  /** `limit` entries after the cursor's key (from the top without one). */
  page(limit: number, after?: ScoreRecord): BoardPage {
    const first = after ? this.index.positionAfter(after) : 0;
    const records = this.index.slice(first, limit);
    const last = records.at(-1);
    const more = last !== undefined && first + records.length < this.index.size;
    return { entries: entriesFrom(records, first), nextCursor: more ? encodeCursor(last) : null };
  }

  /** A user's score and rank, or undefined when they have none in the window. */
  standing(userId: string): Standing | undefined {
    const record = this.index.get(userId);
    if (!record) return undefined;
    return { user_id: userId, score: record.score, rank: this.index.positionOf(userId) + 1 };
  }

  /** Up to `radius` users above the user, the user, and up to `radius` below; undefined if no score. */
  around(userId: string, radius: number): LeaderboardEntry[] | undefined {
    const position = this.index.positionOf(userId);
    if (position < 0) return undefined;
    const first = Math.max(0, position - radius);
    return entriesFrom(this.index.slice(first, position - first + radius + 1), first);
  }
}
