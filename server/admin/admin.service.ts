import type { BoardRegistry } from '../boards/board-registry.js';
import type { Board } from '../domain/board.js';
import { refuse, type Refusal } from '../domain/refusal.js';
import type { Result } from '../domain/result.js';
import type { CommittedChanges } from '../domain/score-record.js';
import type { BoardFollower } from '../leaderboard/board-follower.js';
import type { Logger } from '../observability/logger.js';
import type { AnomalyFlags } from '../security/anomaly-flags.js';
import type { SecurityAudit } from '../security/security-audit.js';
import {
  StorageUnavailableError,
  type AdminOrigin,
  type Erasure,
  type FlaggedUser,
  type FlaggedUserQuery,
  type ScoreSet,
  type SeasonStart,
  type SecurityEventQuery,
  type Storage,
  type StoredSecurityEvent,
  type UserRemoval,
} from '../storage/storage.js';

/** What an erasure came to: done, nobody to erase (nothing written), or not possible now. */
export type ErasureResult =
  | { readonly kind: 'erased'; readonly erasure: Erasure }
  | { readonly kind: 'unknown_user'; readonly message: string }
  | { readonly kind: 'unavailable'; readonly refusal: Refusal };

const ERASURE_UNAVAILABLE = refuse('unavailable', 'Storage is unavailable; nothing was erased');
const CHANGE_UNAVAILABLE = refuse('unavailable', 'Storage is unavailable; the board was not changed');

/** A user with no score in a board's current windows. */
const noScore = (boardId: string, userId: string) =>
  refuse(
    'not_found',
    `User ${JSON.stringify(userId)} has no score in the current windows of board ${JSON.stringify(boardId)}`,
  );

/**
 * What operators do: read the audit trail, clear flags, erase a user on request, start a
 * board's next season, remove a user from a board, set a user's score. Every change is logged
 * with the admin who made it; a change to a board is also ledgered and audited (AdminStore).
 */
export class AdminService {
  constructor(
    private readonly storage: Pick<Storage, 'audit' | 'flags' | 'eraseUser' | 'admin'>,
    private readonly flags: AnomalyFlags,
    private readonly audit: Pick<SecurityAudit, 'forgetUser'>,
    private readonly follower: BoardFollower,
    private readonly logger: Logger,
    private readonly boards: Pick<BoardRegistry, 'refresh' | 'writable' | 'startSeason'>,
  ) {}

  /** Security events, newest first. */
  securityEvents(query: SecurityEventQuery): Promise<StoredSecurityEvent[]> {
    return this.storage.audit.listEvents(query);
  }

  /** Flagged users, most recently flagged first. */
  flaggedUsers(query: FlaggedUserQuery): Promise<FlaggedUser[]> {
    return this.storage.flags.listFlaggedUsers(query);
  }

  /** Clears a user's active flag; false when there was none. */
  async clearFlag(userId: string, by: string): Promise<boolean> {
    const cleared = await this.storage.flags.clearFlag(userId, by);
    this.flags.forget(userId);
    this.logger.info({ event: 'flag_cleared', user_id: userId, by, cleared }, 'flag cleared');
    return cleared;
  }

  /**
   * Erases a user's data on request (see Storage.eraseUser) and takes them off the board;
   * subscribers get the new top N if they were in it. Nothing is written for a user of whom
   * nothing is held.
   */
  async eraseUser(userId: string, by: string): Promise<ErasureResult> {
    let erasure: Erasure | null;
    try {
      erasure = await this.storage.eraseUser(userId, by);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      this.logger.error({ err: error, by }, 'could not erase a user: storage unavailable');
      return { kind: 'unavailable', refusal: ERASURE_UNAVAILABLE };
    }
    if (!erasure)
      return { kind: 'unknown_user', message: `No data is held about user ${JSON.stringify(userId)}` };
    this.flags.forget(userId);
    // Their security events are gone: a refusal of theirs from now on is a new event.
    this.audit.forgetUser(userId);
    await this.follower.committed(erasure.committed);
    this.logger.info(
      {
        event: 'user_erased',
        pseudonym: erasure.pseudonym,
        by,
        ledger_rows: erasure.ledgerRows,
        security_events: erasure.securityEvents,
      },
      'user erased on request',
    );
    return { kind: 'erased', erasure };
  }

  /** Starts the next season of a board that keeps a `season` window (see BoardRegistry.startSeason). */
  async startSeason(boardId: string, origin: AdminOrigin): Promise<Result<SeasonStart>> {
    return this.boards.startSeason(
      boardId,
      (change) => this.storage.admin.startSeason(change, origin),
      origin.by,
    );
  }

  /**
   * Removes a user from a board's window `all` and its current windows (past windows keep them,
   * as they ended); every instance's board drops them. Refused when they have no score there.
   */
  async removeUser(boardId: string, userId: string, origin: AdminOrigin): Promise<Result<UserRemoval>> {
    const removal = await this.onBoard(boardId, async (board) => {
      const removed = await this.storage.admin.removeUser(board, userId, origin);
      return removed ? ok(removed) : { ok: false, refusal: noScore(boardId, userId) };
    });
    if (!removal.ok) return removal;
    await this.committed(removal.value.committed);
    this.logger.info(
      { event: 'user_removed', board: boardId, user_id: userId, score: removal.value.score, by: origin.by },
      'user removed from a board',
    );
    return removal;
  }

  /** Sets a user's score on a board (see AdminStore.setScore); refused outside the board's bounds. */
  async setScore(
    boardId: string,
    userId: string,
    score: number,
    origin: AdminOrigin,
  ): Promise<Result<ScoreSet>> {
    const set = await this.onBoard(boardId, async (board) => {
      const { min, max } = board.rules;
      if (score < min || score > max)
        return {
          ok: false,
          refusal: refuse(
            'score_rule',
            `score must be from ${min} to ${max} on board ${JSON.stringify(boardId)}`,
          ),
        };
      return ok(await this.storage.admin.setScore(board, userId, score, origin));
    });
    if (!set.ok) return set;
    await this.committed(set.value.committed);
    this.logger.info(
      {
        event: 'score_set',
        board: boardId,
        user_id: userId,
        previous_score: set.value.previousScore,
        score,
        by: origin.by,
      },
      'score set by an admin',
    );
    return set;
  }

  /**
   * Runs a change on a board that takes writes (refreshed first: another instance may have
   * archived it); an unknown or archived board is refused, and so is a database that is down.
   */
  private async onBoard<T>(
    boardId: string,
    change: (board: Board) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    try {
      await this.boards.refresh();
    } catch (err) {
      this.logger.warn({ err }, 'could not reload the boards; changing the board as held');
    }
    const board = this.boards.writable(boardId);
    if (!board.ok) return board;
    try {
      return await change(board.value);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      this.logger.error({ err: error, board: boardId }, 'could not change a board: storage unavailable');
      return { ok: false, refusal: CHANGE_UNAVAILABLE };
    }
  }

  /** A committed change: on this instance's board, then the others'; a failure here is only logged. */
  private async committed(committed: CommittedChanges): Promise<void> {
    await this.follower.committed(committed).catch((err: unknown) => {
      this.logger.error({ err }, 'leaderboard cache refresh failed');
    });
  }
}

function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
