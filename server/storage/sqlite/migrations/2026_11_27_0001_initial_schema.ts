import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('scores')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('reached_seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('scores_rank_idx')
    .on('scores')
    .columns(['score desc', 'reached_seq', 'user_id'])
    .execute();

  await db.schema
    .createTable('score_ledger')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('action_id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('previous_score', 'integer', (c) => c.notNull())
    .addColumn('new_score', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('score_ledger_user_idx').on('score_ledger').column('user_id').execute();
  // The ledger is append-only: the database itself refuses to change or remove a row.
  await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE ON score_ledger
    BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(db);
  await sql`CREATE TRIGGER score_ledger_no_delete BEFORE DELETE ON score_ledger
    BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(db);

  await db.schema
    .createTable('security_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('security_events_created_idx')
    .on('security_events')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('security_events_user_idx')
    .on('security_events')
    .columns(['user_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('security_events').execute();
  await db.schema.dropTable('score_ledger').execute();
  await db.schema.dropTable('scores').execute();
}
