import type { BOARD_OPERATORS, BOARD_ORDERS, DECREASE_POLICIES, WINDOW_KINDS } from '../../shared/boards.js';
import type { WindowSpec } from './board-window.js';

// The lists live in shared/ (the board file's schema is built from them); the server's
// imports of them come through here.
export { BOARD_ID_PATTERN, BOARD_OPERATORS, BOARD_ORDERS, WINDOW_KINDS } from '../../shared/boards.js';

/** `desc`: higher is better. `asc`: lower is better (a time trial). */
export type BoardOrder = (typeof BOARD_ORDERS)[number];

/**
 * What a submission means: `total` the user's new total, `best` one run (the best counts),
 * `latest` the last one counts, `increment` a delta added to the score.
 */
export type BoardOperator = (typeof BOARD_OPERATORS)[number];

export type WindowKind = (typeof WINDOW_KINDS)[number];

/** Who may lower a `total`: nobody, a `service` token, or anyone (SCORE_ALLOW_DECREASE for `global`). */
export type DecreasePolicy = (typeof DECREASE_POLICIES)[number];

/** The board that `POST /update-score` writes and today's routes read. */
export const GLOBAL_BOARD_ID = 'global';

/** The key of one board's kind of window in a Map (what the rank index and the live boards hold per slot). */
export const boardSlot = (boardId: string, kind: WindowKind): string => `${boardId}\u0000${kind}`;

/**
 * The bounds of one submission on a board. `maxChange` bounds what one submission may add
 * (`total`: the gain over the current total; `increment`: the delta); `best` and `latest` take
 * any value in [min, max]. `decrease` says who may lower a `total`.
 */
export interface BoardRules {
  readonly min: number;
  readonly max: number;
  readonly maxChange: number | null;
  readonly decrease: DecreasePolicy;
}

/** A board, checked: what every instance serves and every write is judged by. */
export interface Board {
  readonly id: string;
  readonly title: string;
  readonly order: BoardOrder;
  readonly operator: BoardOperator;
  readonly rules: BoardRules;
  /**
   * The board's windows by kind. `all` (the whole life of the board) is always kept: a
   * `total` is judged against it and friends are ranked on it.
   */
  readonly windows: ReadonlyMap<WindowKind, WindowSpec>;
  readonly archived: boolean;
}

/** Whether `a` is a better score than `b` on a board of this order. */
export function isBetter(order: BoardOrder, a: number, b: number): boolean {
  return order === 'desc' ? a > b : a < b;
}

/**
 * The key a board of this order sorts by, ascending: the score itself when lower is better,
 * its negation when higher is (so one ascending index serves both orders).
 */
export function sortKeyOf(order: BoardOrder, score: number): number {
  return order === 'desc' ? -score : score;
}

/** The score a sort key stands for (sortKeyOf undone; never -0). */
export function scoreOfSortKey(order: BoardOrder, sortKey: number): number {
  return order === 'desc' ? 0 - sortKey : sortKey + 0; // 0 - 0 and -0 + 0 are both 0
}

/**
 * The board with these season starts in its `season` window (a copy: boards are immutable), or
 * the board itself if it keeps no season window.
 */
export function withSeasonStarts(board: Board, seasons: readonly number[]): Board {
  const spec = board.windows.get('season');
  if (spec?.kind !== 'season') return board;
  const windows = new Map(board.windows);
  windows.set('season', { ...spec, seasons });
  return Object.freeze({ ...board, windows });
}
