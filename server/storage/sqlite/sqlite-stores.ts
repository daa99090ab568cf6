import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { listEvents } from '../queries/audit-queries.js';
import { listFlaggedUsers } from '../queries/flag-queries.js';
import type {
  AuditStore,
  FlaggedUserQuery,
  FlagStore,
  NewSecurityEvent,
  SecurityEventCount,
  SecurityEventQuery,
} from '../storage.js';
import type { GroupCommit } from './group-commit.js';
import { PRUNE_CHUNK } from './statements.js';

/** The audit trail in SQLite: writes through the group commit, reads through Kysely. */
export class SqliteAuditStore implements AuditStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: GroupCommit,
  ) {}

  insertEvent(event: NewSecurityEvent): Promise<number> {
    return this.writer.submit({ op: 'insertEvent', event });
  }

  addCounts(counts: readonly SecurityEventCount[]): Promise<void> {
    return this.writer.submit({ op: 'addCounts', counts });
  }

  async prune(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.writer.submit({ op: 'prune', before });
      total += deleted;
      if (deleted < PRUNE_CHUNK) return total;
    }
  }

  listEvents(query: SecurityEventQuery) {
    return listEvents(this.db, query);
  }
}

/** Flagged users in SQLite. */
export class SqliteFlagStore implements FlagStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: GroupCommit,
  ) {}

  flagUser(userId: string, reason: string): Promise<void> {
    return this.writer.submit({ op: 'flag', userId, reason });
  }

  clearFlag(userId: string, clearedBy: string): Promise<boolean> {
    return this.writer.submit({ op: 'clearFlag', userId, clearedBy });
  }

  listFlaggedUsers(query: FlaggedUserQuery) {
    return listFlaggedUsers(this.db, query);
  }
}
