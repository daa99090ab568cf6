import type { Board, BoardOrder } from './board.js';
import type { Refusal } from './refusal.js';

/** A user's stored score and the ledger sequence at which they reached it. */
export interface ScoreRecord {
  readonly userId: string;
  readonly score: number;
  readonly reachedSeq: number;
}

/**
 * The leaderboard order on a record's parts, its score given as the board's sort key (see
 * sortKeyOf: the better score has the lower key, on either order): the lower key first, then
 * whoever reached it first, then the user id. board_scores_order_idx keeps this order in SQL.
 */
export function compareParts(
  keyA: number,
  seqA: number,
  userA: string,
  keyB: number,
  seqB: number,
  userB: string,
): number {
  if (keyA !== keyB) return keyA - keyB;
  if (seqA !== seqB) return seqA - seqB;
  return userA < userB ? -1 : userA > userB ? 1 : 0;
}

/** Leaderboard order: higher score first, then whoever reached it first, then user id. */
export function compareRecords(a: ScoreRecord, b: ScoreRecord): number {
  return compareParts(-a.score, a.reachedSeq, a.userId, -b.score, b.reachedSeq, b.userId);
}

/** The order of a board where lower is better: lower score first, then the same ties. */
export function compareRecordsAscending(a: ScoreRecord, b: ScoreRecord): number {
  return compareParts(a.score, a.reachedSeq, a.userId, b.score, b.reachedSeq, b.userId);
}

/** The leaderboard order of a board of this order. */
export function recordOrder(order: BoardOrder): (a: ScoreRecord, b: ScoreRecord) => number {
  return order === 'desc' ? compareRecords : compareRecordsAscending;
}

/** An authorized request to set a user's score, as the storage sees it. */
export interface UpdateCommand {
  /** The board written: its operator and windows decide what the submission changes. */
  readonly board: Board;
  readonly userId: string;
  readonly actionId: string;
  readonly newScore: number;
  readonly subject: string;
  readonly ip: string | null;
}

/** An earlier accepted update with the same `action_id` (on the same board). */
export interface PriorAction {
  readonly userId: string;
  /** What was submitted. */
  readonly value: number;
  /** The user's score on the whole board before and after it. */
  readonly previousScore: number;
  readonly newScore: number;
}

/**
 * One change to a board's window: a user's new record there, or (null) their removal.
 * `windowKey` names the window (`all`, `day:2026-03-29`, ...; see board-window.ts).
 */
export interface BoardChange {
  readonly boardId: string;
  readonly windowKey: string;
  readonly userId: string;
  readonly record: ScoreRecord | null;
}

/**
 * The board changes one transaction committed, under its version. Versions rise in commit
 * order (never in the order numbers were handed out), so a reader that applies them in
 * version order has exactly the committed state as of that version.
 */
export interface CommittedChanges {
  readonly version: number;
  readonly changes: readonly BoardChange[];
}

/** The result of one update, known only once it is committed. */
export type UpdateOutcome =
  | {
      readonly kind: 'applied';
      /** The user's score on the whole board before and after. */
      readonly previousScore: number;
      readonly record: ScoreRecord;
      /** Whether any of the user's windows changed (a worse `best` run is recorded, changes none). */
      readonly changed: boolean;
      /** Everything the update's transaction changed on the board (other updates' too). */
      readonly committed: CommittedChanges;
    }
  | {
      readonly kind: 'replayed';
      /** What the original update answered: its previous and new score. */
      readonly prior: PriorAction;
      /** The user's score now (it may have moved on since; undefined: an admin removed it). */
      readonly current: ScoreRecord | undefined;
    }
  | { readonly kind: 'refused'; readonly refusal: Refusal };
