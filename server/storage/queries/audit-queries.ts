import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { SecurityEventQuery, StoredSecurityEvent } from '../storage.js';

/** Security events matching the query, newest first (one index per filter). */
export async function listEvents(
  db: Kysely<Database>,
  query: SecurityEventQuery,
): Promise<StoredSecurityEvent[]> {
  let q = db.selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(query.limit);
  if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
  if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.ip !== undefined) q = q.where('ip', '=', query.ip);
  if (query.since !== undefined) q = q.where('last_at', '>=', query.since);
  if (query.before !== undefined) q = q.where('id', '<', query.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    subject: r.subject,
    ip: r.ip,
    userId: r.user_id,
    reason: r.reason,
    count: Number(r.count),
    createdAt: Number(r.created_at),
    lastAt: Number(r.last_at),
  }));
}
