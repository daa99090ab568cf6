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

/** The result of one update, known only once it is committed. */
export type UpdateOutcome =
  | { readonly kind: 'applied'; readonly previousScore: number; readonly record: ScoreRecord }
  | {
      readonly kind: 'replayed';
      /** What the original update answered: its previous and new score. */
      readonly prior: PriorAction;
      /** The user's score now (it may have moved on since). */
      readonly current: ScoreRecord;
    }
  | { readonly kind: 'refused'; readonly refusal: Refusal };
