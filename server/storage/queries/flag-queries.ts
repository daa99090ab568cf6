import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { FlaggedUser, FlaggedUserQuery, FlagStore } from '../storage.js';
import type { GroupCommit } from './group-commit.js';

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

  async listFlaggedUsers(query: FlaggedUserQuery): Promise<FlaggedUser[]> {
    let q = this.db
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
      flagCount: r.flag_count,
      flaggedAt: r.flagged_at,
      clearedAt: r.cleared_at,
      clearedBy: r.cleared_by,
    }));
  }
}
