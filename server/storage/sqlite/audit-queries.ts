import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { FlaggedUser, FlaggedUserQuery, SecurityEventQuery, StoredSecurityEvent } from '../storage.js';

/** Security events matching the query, newest first. */
export async function listSecurityEvents(
  db: Kysely<Database>,
  query: SecurityEventQuery,
): Promise<StoredSecurityEvent[]> {
  let q = db.selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(query.limit);
  if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
  if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.ip !== undefined) q = q.where('ip', '=', query.ip);
  if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
  if (query.before !== undefined) q = q.where('id', '<', query.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    ip: r.ip,
    userId: r.user_id,
    reason: r.reason,
    createdAt: r.created_at,
  }));
}

/** Flagged users, most recently flagged first. */
export async function listFlaggedUsers(
  db: Kysely<Database>,
  query: FlaggedUserQuery,
): Promise<FlaggedUser[]> {
  let q = db
    .selectFrom('flagged_users')
    .selectAll()
    .orderBy('flagged_at', 'desc')
    .orderBy('user_id')
    .limit(query.limit);
  if (!query.includeCleared) q = q.where('cleared_at', 'is', null);
  if (query.before !== undefined) q = q.where('flagged_at', '<', query.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    userId: r.user_id,
    reason: r.reason,
    flagCount: r.flag_count,
    flaggedAt: r.flagged_at,
    clearedAt: r.cleared_at,
    clearedBy: r.cleared_by,
  }));
}
