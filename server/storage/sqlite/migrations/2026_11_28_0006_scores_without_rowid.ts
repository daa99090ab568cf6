import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// The scores table keyed by user_id alone (WITHOUT ROWID): an update of one user writes one
// B-tree page instead of two (the row and its primary-key index). At a million users, where
// every update of a random user dirties pages of its own, that cuts the WAL written per update
// and the p99 of POST /update-score (docs/performance.md).
// One transaction, so a crash midway leaves the old table whole.
export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, 'WITHOUT ROWID');
}

export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, '');
}

async function rebuild(db: Kysely<any>, options: 'WITHOUT ROWID' | ''): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`CREATE TABLE scores_rebuilt (
      user_id TEXT PRIMARY KEY NOT NULL,
      score INTEGER NOT NULL,
      reached_seq INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) ${sql.raw(options)}`.execute(trx);
    await sql`INSERT INTO scores_rebuilt (user_id, score, reached_seq, updated_at)
      SELECT user_id, score, reached_seq, updated_at FROM scores ORDER BY user_id`.execute(trx);
    await trx.schema.dropTable('scores').execute();
    await sql`ALTER TABLE scores_rebuilt RENAME TO scores`.execute(trx);
  });
}
