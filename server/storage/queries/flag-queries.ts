import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { FlaggedUser, FlaggedUserQuery } from '../storage.js';

/** Flagged users, most recently flagged first, after the `(flaggedAt, userId)` keyset cursor. */
export async function listFlaggedUsers(
  db: Kysely<Database>,
  query: FlaggedUserQuery,
): Promise<FlaggedUser[]> {
  let q = db
    .selectFrom('flagged_users')
    .selectAll()
    .orderBy('flagged_at', 'desc')
    .orderBy('user_id', 'desc')
    .limit(query.limit);
  if (!query.includeCleared) q = q.where('cleared_at', 'is', null);
  const after = query.after;
  if (after) {
    // Keyset on (flagged_at, user_id): unique, so users flagged in the same millisecond
    // are neither skipped nor repeated.
    q = q.where((eb) =>
      eb.or([
        eb('flagged_at', '<', after.flaggedAt),
        eb.and([eb('flagged_at', '=', after.flaggedAt), eb('user_id', '<', after.userId)]),
      ]),
    );
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    userId: r.user_id,
    reason: r.reason,
    flagCount: Number(r.flag_count),
    flaggedAt: Number(r.flagged_at),
    clearedAt: r.cleared_at === null ? null : Number(r.cleared_at),
    clearedBy: r.cleared_by,
  }));
}
