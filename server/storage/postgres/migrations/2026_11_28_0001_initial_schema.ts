import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code. Scores go up to 2^53, hence bigint.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('scores')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('score', 'bigint', (c) => c.notNull())
    .addColumn('reached_seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX scores_rank_idx ON scores (score DESC, reached_seq, user_id)`.execute(db);

  await db.schema
    .createTable('score_ledger')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('action_id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('previous_score', 'bigint', (c) => c.notNull())
    .addColumn('new_score', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // Append-only, as in SQLite: the only change allowed is an erasure's pseudonymisation.
  await sql`CREATE FUNCTION score_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.user_id LIKE 'erased:%' AND NEW.id = OLD.id
        AND NEW.action_id = OLD.action_id AND NEW.previous_score = OLD.previous_score
        AND NEW.new_score = OLD.new_score AND NEW.created_at = OLD.created_at AND NEW.ip IS NULL
        AND (NEW.subject = OLD.subject OR NEW.subject = NEW.user_id) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'score_ledger is append-only';
    END $$`.execute(db);
  await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE OR DELETE ON score_ledger
    FOR EACH ROW EXECUTE FUNCTION score_ledger_append_only()`.execute(db);
  await sql`CREATE TRIGGER score_ledger_no_truncate BEFORE TRUNCATE ON score_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION score_ledger_append_only()`.execute(db);

  await db.schema
    .createTable('security_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .execute();
  for (const column of ['kind', 'subject', 'user_id', 'ip']) {
    await db.schema
      .createIndex(`security_events_${column}_idx`)
      .on('security_events')
      .columns([column, 'id'])
      .execute();
  }
  await db.schema
    .createIndex('security_events_last_at_idx')
    .on('security_events')
    .column('last_at')
    .execute();

  await db.schema
    .createTable('flagged_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('flag_count', 'bigint', (c) => c.notNull())
    .addColumn('flagged_at', 'bigint', (c) => c.notNull())
    .addColumn('cleared_at', 'bigint')
    .addColumn('cleared_by', 'text')
    .execute();
  await db.schema
    .createIndex('flagged_users_flagged_idx')
    .on('flagged_users')
    .columns(['flagged_at', 'user_id'])
    .execute();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO meta (key, value) VALUES ('epoch', substr(md5(gen_random_uuid()::text), 1, 12))`.execute(
    db,
  );

  // Board versions are handed out by updating this one row inside each writing transaction:
  // its lock is held to the commit, so versions rise in commit order with no gaps (a sequence
  // would hand them out in start order, and a reader tailing it could skip a late commit).
  await db.schema
    .createTable('board_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO board_version (id, version) VALUES (1, 0)`.execute(db);
  // What each version changed, for instances that follow writes made elsewhere; pruned.
  await db.schema
    .createTable('board_changes')
    .addColumn('version', 'bigint', (c) => c.primaryKey())
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'board_changes',
    'board_version',
    'meta',
    'flagged_users',
    'security_events',
    'score_ledger',
    'scores',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`DROP FUNCTION IF EXISTS score_ledger_append_only()`.execute(db);
}
