import type { BoardFollower } from '../leaderboard/board-follower.js';
import type { Logger } from '../observability/logger.js';
import type { AnomalyFlags } from '../security/anomaly-flags.js';
import type {
  Erasure,
  FlaggedUser,
  FlaggedUserQuery,
  SecurityEventQuery,
  Storage,
  StoredSecurityEvent,
} from '../storage/storage.js';

/**
 * What operators do: read the audit trail, clear flags, erase a user on request. Every
 * change is logged with the admin who made it.
 */
export class AdminService {
  constructor(
    private readonly storage: Pick<Storage, 'audit' | 'flags' | 'eraseUser'>,
    private readonly flags: AnomalyFlags,
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
   * subscribers get the new top N if they were in it.
   */
  async eraseUser(userId: string, by: string): Promise<Erasure> {
    const erasure = await this.storage.eraseUser(userId, by);
    this.flags.forget(userId);
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
    return erasure;
  }
}
