import type { Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Ranks, pages and the top N are answered from the in-memory rank index: nothing reads scores
// in leaderboard order any more, and the index cost every write (docs/performance.md).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scores_rank_idx').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('scores_rank_idx')
    .on('scores')
    .columns(['score desc', 'reached_seq', 'user_id'])
    .execute();
}
