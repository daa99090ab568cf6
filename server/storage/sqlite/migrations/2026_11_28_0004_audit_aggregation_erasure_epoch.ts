import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
export async function up(db: Kysely<any>): Promise<void> {
  // Security events are aggregated: one row per kind, source and window, with a count.
  await db.schema
    .alterTable('security_events')
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('security_events')
    .addColumn('last_at', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`UPDATE security_events SET last_at = created_at`.execute(db);
  // One index per admin filter, each ordered like the listing (newest id first); last_at for
  // `since` and for pruning.
  await db.schema.dropIndex('security_events_user_idx').ifExists().execute();
  await db.schema.dropIndex('security_events_created_idx').ifExists().execute();
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

  // Flagged users page by (flagged_at, user_id), which is unique.
  await db.schema.dropIndex('flagged_users_flagged_idx').ifExists().execute();
  await db.schema
    .createIndex('flagged_users_flagged_idx')
    .on('flagged_users')
    .columns(['flagged_at', 'user_id'])
    .execute();

  // The ledger stays append-only, except for one change: erasing a user on request
  // pseudonymises their rows (user id, and the subject when it was theirs; the ip is removed).
  await sql`DROP TRIGGER IF EXISTS score_ledger_no_update`.execute(db);
  await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE ON score_ledger
    WHEN NOT (NEW.user_id LIKE 'erased:%' AND NEW.id = OLD.id AND NEW.action_id = OLD.action_id
      AND NEW.previous_score = OLD.previous_score AND NEW.new_score = OLD.new_score
      AND NEW.created_at = OLD.created_at AND NEW.ip IS NULL
      AND (NEW.subject = OLD.subject OR NEW.subject = NEW.user_id))
    BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(db);

  // The database's identity: live-event ids carry it, so a client that resumes against another
  // database (a fresh one, a restore) is sent the current board instead of waiting for it.
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(6))))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('meta').execute();
  await sql`DROP TRIGGER IF EXISTS score_ledger_no_update`.execute(db);
  await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE ON score_ledger
    BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(db);
  for (const column of ['kind', 'subject', 'user_id', 'ip', 'last_at']) {
    await db.schema.dropIndex(`security_events_${column}_idx`).ifExists().execute();
  }
  await db.schema.alterTable('security_events').dropColumn('last_at').execute();
  await db.schema.alterTable('security_events').dropColumn('count').execute();
}
