import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type {
  AuditStore,
  NewSecurityEvent,
  SecurityEventCount,
  SecurityEventQuery,
  StoredSecurityEvent,
} from '../storage.js';
import type { GroupCommit } from './group-commit.js';
import { PRUNE_CHUNK } from './statements.js';

/** The audit trail in SQLite. */
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

  async listEvents(query: SecurityEventQuery): Promise<StoredSecurityEvent[]> {
    let q = this.db.selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(query.limit);
    if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
    if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
    if (query.ip !== undefined) q = q.where('ip', '=', query.ip);
    if (query.since !== undefined) q = q.where('last_at', '>=', query.since);
    if (query.before !== undefined) q = q.where('id', '<', query.before);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      subject: r.subject,
      ip: r.ip,
      userId: r.user_id,
      reason: r.reason,
      count: r.count,
      createdAt: r.created_at,
      lastAt: r.last_at,
    }));
  }
}
