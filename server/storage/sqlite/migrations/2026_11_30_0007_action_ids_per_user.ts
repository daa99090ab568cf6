import { sql, type Kysely, type RawBuilder } from 'kysely';

// Frozen in time: no imports of application code.
// An action_id is unique per user, not across users: one user's ids neither block nor reveal
// another's. SQLite cannot drop a UNIQUE column constraint, so the ledger is rebuilt: every
// row kept with its id (ids are board versions), the AUTOINCREMENT counter carried over, and
// the append-only triggers (with the erasure's one exception, as in 0004) put back. One
// transaction, so a crash midway leaves the old table whole.
export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, sql`UNIQUE (user_id, action_id)`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, sql`UNIQUE (action_id)`);
}

async function rebuild(db: Kysely<any>, unique: RawBuilder<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`CREATE TABLE score_ledger_rebuilt (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      action_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      previous_score INTEGER NOT NULL,
      new_score INTEGER NOT NULL,
      subject TEXT NOT NULL,
      ip TEXT,
      created_at INTEGER NOT NULL,
      ${unique}
    )`.execute(trx);
    await sql`INSERT INTO score_ledger_rebuilt
        (id, action_id, user_id, previous_score, new_score, subject, ip, created_at)
      SELECT id, action_id, user_id, previous_score, new_score, subject, ip, created_at
      FROM score_ledger ORDER BY id`.execute(trx);
    await sql`UPDATE sqlite_sequence
      SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'score_ledger'), 0))
      WHERE name = 'score_ledger_rebuilt'`.execute(trx);
    await trx.schema.dropTable('score_ledger').execute();
    await sql`ALTER TABLE score_ledger_rebuilt RENAME TO score_ledger`.execute(trx);
    await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE ON score_ledger
      WHEN NOT (NEW.user_id LIKE 'erased:%' AND NEW.id = OLD.id AND NEW.action_id = OLD.action_id
        AND NEW.previous_score = OLD.previous_score AND NEW.new_score = OLD.new_score
        AND NEW.created_at = OLD.created_at AND NEW.ip IS NULL
        AND (NEW.subject = OLD.subject OR NEW.subject = NEW.user_id))
      BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(trx);
    await sql`CREATE TRIGGER score_ledger_no_delete BEFORE DELETE ON score_ledger
      BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(trx);
  });
}
