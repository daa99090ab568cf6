import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Ranks, pages and the top N are answered from each instance's in-memory rank index: nothing
// reads scores in leaderboard order any more, and the index only costs every write.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scores_rank_idx').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX scores_rank_idx ON scores (score DESC, reached_seq, user_id)`.execute(db);
}
