import { refuse, type Refusal } from '../domain/refusal.js';
import type { BoardFollower } from '../leaderboard/board-follower.js';
import type { Logger } from '../observability/logger.js';
import type { AnomalyFlags } from '../security/anomaly-flags.js';
import type { SecurityAudit } from '../security/security-audit.js';
import {
  StorageUnavailableError,
  type Erasure,
  type FlaggedUser,
  type FlaggedUserQuery,
  type SecurityEventQuery,
  type Storage,
  type StoredSecurityEvent,
} from '../storage/storage.js';

/** What an erasure came to: done, nobody to erase (nothing written), or not possible now. */
export type ErasureResult =
  | { readonly kind: 'erased'; readonly erasure: Erasure }
  | { readonly kind: 'unknown_user'; readonly message: string }
  | { readonly kind: 'unavailable'; readonly refusal: Refusal };

const ERASURE_UNAVAILABLE = refuse('unavailable', 'Storage is unavailable; nothing was erased');

/**
 * What operators do: read the audit trail, clear flags, erase a user on request. Every
 * change is logged with the admin who made it.
 */
export class AdminService {
  constructor(
    private readonly storage: Pick<Storage, 'audit' | 'flags' | 'eraseUser'>,
    private readonly flags: AnomalyFlags,
    private readonly audit: Pick<SecurityAudit, 'forgetUser'>,
    private readonly follower: BoardFollower,
    private readonly logger: Logger,
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
}
