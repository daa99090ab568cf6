import type { CommittedChanges, ScoreRecord, UpdateCommand, UpdateOutcome } from '../domain/score-record.js';
import type { Board, BoardOrder } from '../domain/board.js';
import type { Judge } from '../domain/verdict.js';

/** A refused request, as the audit trail keeps it: the first of its kind from its source in a window. */
export interface NewSecurityEvent {
  readonly kind: string;
  readonly subject: string | null;
  readonly ip: string | null;
  readonly userId: string | null;
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** More occurrences of a stored event, counted in memory since the last flush. */
export interface SecurityEventCount {
  readonly id: number;
  readonly add: number;
  /** Epoch milliseconds of the latest occurrence. */
  readonly lastAt: number;
}

/** Which security events to list, newest first; `before` is the id cursor. */
export interface SecurityEventQuery {
  readonly kind?: string;
  readonly subject?: string;
  readonly userId?: string;
  readonly ip?: string;
  /** Epoch milliseconds: only events whose latest occurrence is at or after it. */
  readonly since?: number;
  readonly before?: number;
  readonly limit: number;
}

/** A stored security event: `count` occurrences from `createdAt` to `lastAt`. */
export interface StoredSecurityEvent {
  readonly id: number;
  readonly kind: string;
  readonly subject: string | null;
  readonly ip: string | null;
  readonly userId: string | null;
  readonly reason: string;
  readonly count: number;
  readonly createdAt: number;
  readonly lastAt: number;
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

/** Which flagged users to list, most recently flagged first, after the `(flaggedAt, userId)` cursor. */
export interface FlaggedUserQuery {
  readonly includeCleared: boolean;
  readonly after?: { readonly flaggedAt: number; readonly userId: string };
  readonly limit: number;
}

/** What erasing a user removed or pseudonymised. */
export interface Erasure {
  /** The score the user had (null: none). */
  readonly score: number | null;
  /** Ledger rows now under `pseudonym` instead of the user id. */
  readonly ledgerRows: number;
  readonly securityEvents: number;
  readonly flags: number;
  readonly pseudonym: string;
  /** The board change it committed (the user's removal), under its version. */
  readonly committed: CommittedChanges;
}

/** Observes each committed batch: its size and how long the transaction took. */
export type CommitObserver = (size: number, seconds: number) => void;

/** Thrown when the database cannot commit; nothing of the request was applied. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/** One window of one board, as stored: `windowKey` as board-window.ts makes it. */
export interface WindowRef {
  readonly boardId: string;
  readonly windowKey: string;
}

/**
 * Takes the stored records of one window as they are read, one row at a time: what the user
 * reached and the seq that decides ties (see ScoreStore.windows).
 */
export type RecordSink = (userId: string, score: number, reachedSeq: number) => void;

/** A board as stored: its definition (the board file's form, JSON) and when it last changed. */
export interface StoredBoard {
  readonly id: string;
  /** The board file's form of the board (see shared/boards.ts), as JSON text. */
  readonly definition: string;
  readonly archived: boolean;
  /** Rises with every change to any board: followers reload the boards when it moved. */
  readonly revision: number;
}

/**
 * The boards: declared in the board file and by admins, kept in the database so every
 * instance serves the same ones. A board's windows, once it has scores, change only by
 * starting a season; its order and operator never.
 */
export interface BoardStore {
  list(): Promise<StoredBoard[]>;
  /** Stores a board's definition (new or changed); resolves with the new revision. */
  put(id: string, definition: string, archived: boolean): Promise<number>;
  /** The highest revision stored (0: none). */
  revision(): Promise<number>;
  /** Whether the board holds a score in any window (past ones included). */
  hasScores(boardId: string): Promise<boolean>;
}

/** Who made an admin's change, from where, and why: kept in its ledger row and its audit entry. */
export interface AdminOrigin {
  /** The admin's subject. */
  readonly by: string;
  readonly ip: string | null;
  readonly reason: string | null;
}

/** The next season of a board, as the board registry asks the storage to start it. */
export interface SeasonChange {
  readonly boardId: string;
  /** The stored definition the change was made from: if another is stored now, nothing is done. */
  readonly expected: string;
  /** The definition with a season starting at `now` (the commit instant, epoch ms), and its season starts. */
  next(now: number): { readonly definition: string; readonly seasons: readonly number[] };
}

/** A season started. */
export interface SeasonStart {
  /** Its number: its window is `season:<season>`. */
  readonly season: number;
  /** Epoch ms: the commit instant (or just after the season before's start, should the clock be behind it). */
  readonly startedAt: number;
}

/** What removing a user from a board removed. */
export interface UserRemoval {
  /** Their score on the whole board before (null: they had none there). */
  readonly score: number | null;
  /** The windows they were removed from, `all` first. */
  readonly windows: readonly string[];
  /** The removal of each row, under its version. */
  readonly committed: CommittedChanges;
}

/** What setting a user's score did. */
export interface ScoreSet {
  /** Their score on the whole board before (null: none). */
  readonly previousScore: number | null;
  /** Their record on the whole board after. */
  readonly record: ScoreRecord;
  /** The rows written, under its version (none when every score was already so). */
  readonly committed: CommittedChanges;
}

/**
 * Admins' changes to boards. Each commits in one transaction with its ledger row (an action id
 * `season:<n>`, `remove:<uuid>` or `set:<uuid>`, the admin as subject, the reason) and its
 * audit entry (a security event of kind `admin_action`), at the storage's commit instant: the
 * windows in force then are those a removal or a set score changes, and a season starts then.
 * Every write on a board with seasons commits wholly before or wholly after a season start,
 * and counts in the season its commit instant falls in.
 */
export interface AdminStore {
  /** Starts the next season; null, with nothing written, when the stored definition is not `expected`. */
  startSeason(change: SeasonChange, origin: AdminOrigin): Promise<SeasonStart | null>;
  /**
   * Removes the user's rows from the board's window `all` and its current windows (past
   * windows stay as they ended); null, with nothing written, when they have none there.
   */
  removeUser(board: Board, userId: string, origin: AdminOrigin): Promise<UserRemoval | null>;
  /**
   * Sets the user's score on the whole board (window `all`), whatever the rules; every current
   * window the user has a score in moves with it (see scoreAfterSet), and one they have none in
   * is left without. Past windows never change.
   */
  setScore(board: Board, userId: string, score: number, origin: AdminOrigin): Promise<ScoreSet>;
}

/** Scores and their append-only ledger. */
export interface ScoreStore {
  /**
   * Runs `judge` on the stored state inside the write transaction and commits its verdict.
   * Resolves once committed; rejects with StorageUnavailableError when nothing could be.
   */
  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome>;
  /**
   * Reads every stored record of these windows, all as of one version, window by window in
   * the order of `refs`: calls `open(ref)`, then that window's sink with each of its records (in
   * no particular order), before the next window; resolves with the version. What an instance
   * loads into its rank indexes, without holding more than one row of the database at a time
   * beyond what the sinks keep.
   */
  windows(refs: readonly WindowRef[], open: (ref: WindowRef) => RecordSink): Promise<number>;
  /**
   * Up to `limit` records of a window in its order (`order`: the board's), after `after` (from
   * the first without it): a keyset page, for windows that ended (they never change).
   */
  windowPage(
    ref: WindowRef,
    order: BoardOrder,
    after: ScoreRecord | undefined,
    limit: number,
  ): Promise<ScoreRecord[]>;
  /** Up to `limit` records just before `before` in the window's order, in that order. */
  windowPageBefore(
    ref: WindowRef,
    order: BoardOrder,
    before: ScoreRecord,
    limit: number,
  ): Promise<ScoreRecord[]>;
  /** How many records of the window come before `record` in its order: a count of each, O(rank). */
  countBefore(ref: WindowRef, order: BoardOrder, record: ScoreRecord): Promise<number>;
  /**
   * The same for a window that ended and takes no more writes, in O(log n + spacing): from its
   * rank marks, every `spacing`-th record of its order, which the first such read writes (once:
   * O(n), shared with the reads waiting for it; see rank-marks.ts).
   */
  countBeforeEnded(ref: WindowRef, order: BoardOrder, record: ScoreRecord, spacing: number): Promise<number>;
  /** The users' records in a window (those who have one). */
  windowRecords(ref: WindowRef, userIds: readonly string[]): Promise<ScoreRecord[]>;
  /** The version of the latest committed change (0 when none). */
  latestVersion(): Promise<number>;
  /** The database's identity, made when it was created (a restore keeps it, a new one has another). */
  epoch(): Promise<string>;
}

/** The audit trail: aggregated security events. */
export interface AuditStore {
  /** Stores the first occurrence of an event; resolves with its id. */
  insertEvent(event: NewSecurityEvent): Promise<number>;
  /** Adds later occurrences to stored events. */
  addCounts(counts: readonly SecurityEventCount[]): Promise<void>;
  /** Security events, newest first. */
  listEvents(query: SecurityEventQuery): Promise<StoredSecurityEvent[]>;
  /** Deletes events whose latest occurrence is before `before` (epoch ms); resolves with how many. */
  prune(before: number): Promise<number>;
}

/**
 * The committed changes in version order, for instances that must follow writes made by
 * others (scale-out). Kept for a while, then pruned; a reader behind the horizon reloads.
 */
export interface ChangeFeed {
  /** Changes with a version above `after`, in version order, at most `limit` versions. */
  since(after: number, limit: number): Promise<CommittedChanges[]>;
  /** The oldest version still kept (a reader behind it must reload the board). */
  horizon(): Promise<number>;
}

/** Users flagged for anomalous refusals. */
export interface FlagStore {
  /** Flags a user (or raises the count of an active flag). */
  flagUser(userId: string, reason: string): Promise<void>;
  /** Flagged users, most recently flagged first. */
  listFlaggedUsers(query: FlaggedUserQuery): Promise<FlaggedUser[]>;
  /** Clears an active flag; false when the user has none. */
  clearFlag(userId: string, clearedBy: string): Promise<boolean>;
}

/**
 * Durable storage, split by concern. An implementation commits before it resolves; the
 * services never know which database they have, and storage never decides a score rule.
 */
export interface Storage {
  readonly scores: ScoreStore;
  readonly boards: BoardStore;
  readonly audit: AuditStore;
  readonly flags: FlagStore;
  readonly admin: AdminStore;
  /** Set by storages that several instances share; undefined for the embedded one. */
  readonly changes?: ChangeFeed;
  /**
   * Erases a user on request, in one transaction: their scores on every board are deleted, their ledger rows are
   * pseudonymised (the ledger keeps its sums; an `erase:` row records the erasure by `by`), and
   * their security events and flags are deleted. Afterwards no row anywhere holds the user id.
   * Resolves with null, and writes nothing, when nothing is held about the user.
   */
  eraseUser(userId: string, by: string): Promise<Erasure | null>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Commits what is queued, then closes. */
  close(): Promise<void>;
}
