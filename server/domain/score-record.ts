import type { Refusal } from './refusal.js';

/** A user's stored score and the ledger sequence at which they reached it. */
export interface ScoreRecord {
  readonly userId: string;
  readonly score: number;
  readonly reachedSeq: number;
}

/** Leaderboard order: higher score first, then whoever reached it first, then user id. */
export function compareRecords(a: ScoreRecord, b: ScoreRecord): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.reachedSeq !== b.reachedSeq) return a.reachedSeq - b.reachedSeq;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

/** An authorized request to set a user's score, as the storage sees it. */
export interface UpdateCommand {
  readonly userId: string;
  readonly actionId: string;
  readonly newScore: number;
  readonly subject: string;
  readonly ip: string | null;
}

/** An earlier accepted update with the same `action_id`. */
export interface PriorAction {
  readonly userId: string;
  readonly previousScore: number;
  readonly newScore: number;
}

/** One change to the board: a user's new record, or (null) their removal. */
export interface BoardChange {
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
      readonly previousScore: number;
      readonly record: ScoreRecord;
      /** Everything the update's transaction changed on the board (other updates' too). */
      readonly committed: CommittedChanges;
    }
  | {
      readonly kind: 'replayed';
      /** What the original update answered: its previous and new score. */
      readonly prior: PriorAction;
      /** The user's score now (it may have moved on since). */
      readonly current: ScoreRecord;
    }
  | { readonly kind: 'refused'; readonly refusal: Refusal };
