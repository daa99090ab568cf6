import type { Refusal } from '../scores/refusal.js';

/** A user's stored score and the ledger sequence at which they reached it. */
export interface ScoreRecord {
  readonly userId: string;
  readonly score: number;
  readonly reachedSeq: number;
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

/** What the score rules decide, given the stored state inside the write transaction. */
export type Verdict =
  | { readonly kind: 'apply' }
  | { readonly kind: 'replay' }
  | { readonly kind: 'refuse'; readonly refusal: Refusal };

/** The score rules, as a pure function of the command and the stored state. */
export type Judge = (
  command: UpdateCommand,
  current: ScoreRecord | undefined,
  prior: PriorAction | undefined,
) => Verdict;

/** The result of one update, known only once it is committed. */
export type UpdateOutcome =
  | { readonly kind: 'applied'; readonly previousScore: number; readonly record: ScoreRecord }
  | { readonly kind: 'replayed'; readonly previousScore: number; readonly record: ScoreRecord }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

/** A refused request, as the audit trail keeps it. */
export interface SecurityEvent {
  readonly kind: string;
  readonly subject: string | null;
  readonly ip: string | null;
  readonly userId: string | null;
  readonly reason: string;
}

/** Thrown when the database cannot commit; nothing of the request was applied. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * Durable storage of scores, the ledger and the audit trail. An implementation commits
 * before it resolves; the service never knows which database it has.
 */
export interface Storage {
  /** Reads the state, asks the judge, and commits the verdict (a refusal as a security event). */
  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome>;
  /** Appends a security event. */
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
  /** The best `limit` scores, in leaderboard order. */
  topScores(limit: number, offset?: number): Promise<ScoreRecord[]>;
  /** The sequence of the latest ledger row (0 when empty). */
  latestSeq(): Promise<number>;
  /** The 1-based leaderboard position of a stored score. */
  rankOf(record: ScoreRecord): Promise<number>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Commits what is queued, then closes. */
  close(): Promise<void>;
}
