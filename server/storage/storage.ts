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

/** Which security events to list, newest first; `before` is the id cursor. */
export interface SecurityEventQuery {
  readonly kind?: string;
  readonly subject?: string;
  readonly userId?: string;
  readonly ip?: string;
  /** Epoch milliseconds: only events at or after it. */
  readonly since?: number;
  readonly before?: number;
  readonly limit: number;
}

/** A stored security event. */
export interface StoredSecurityEvent extends SecurityEvent {
  readonly id: number;
  readonly createdAt: number;
}

/** A user flagged for anomalous refusals. */
export interface FlaggedUser {
  readonly userId: string;
  readonly reason: string;
  /** How many times the threshold was passed since the row was created. */
  readonly flagCount: number;
  readonly flaggedAt: number;
  readonly clearedAt: number | null;
  readonly clearedBy: string | null;
}

/** Which flagged users to list, most recently flagged first; `before` is the flaggedAt cursor. */
export interface FlaggedUserQuery {
  readonly includeCleared: boolean;
  readonly before?: number;
  readonly limit: number;
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
  /**
   * Judges the command by the score rules against the stored state, inside the write
   * transaction, and commits the verdict (a refusal as a security event).
   */
  applyUpdate(command: UpdateCommand, canDecrease: boolean): Promise<UpdateOutcome>;
  /** Appends a security event. */
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
  /** The best `limit` scores, in leaderboard order. */
  topScores(limit: number, offset?: number): Promise<ScoreRecord[]>;
  /** The sequence of the latest ledger row (0 when empty). */
  latestSeq(): Promise<number>;
  /** The 1-based leaderboard position of a stored score. */
  rankOf(record: ScoreRecord): Promise<number>;
  /** Security events, newest first. */
  listSecurityEvents(query: SecurityEventQuery): Promise<StoredSecurityEvent[]>;
  /** Flags a user (or raises the count of an active flag). */
  flagUser(userId: string, reason: string): Promise<void>;
  /** Flagged users, most recently flagged first. */
  listFlaggedUsers(query: FlaggedUserQuery): Promise<FlaggedUser[]>;
  /** Clears an active flag; false when the user has none. */
  clearFlag(userId: string, clearedBy: string): Promise<boolean>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Commits what is queued, then closes. */
  close(): Promise<void>;
}
