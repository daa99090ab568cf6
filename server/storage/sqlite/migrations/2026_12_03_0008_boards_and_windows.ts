import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Many boards, each with windows (all, day, week, month, season):
// - `boards` holds every board's definition (the board file's form, JSON), so boards created
//   by an admin survive a restart; `revision` rises with every change.
// - `board_scores` replaces `scores`: one row per board, window and user. `sort_key` is the
//   score negated on boards where higher is better, so one ascending index pages both orders
//   (past windows are read from SQL; current ones from memory). A view `scores` keeps today's
//   board under its old name.
// - the ledger gains the board and the submitted value; an action id is unique per board and
//   user. SQLite cannot change a table's constraints, so the ledger is rebuilt as in 0007 (ids
//   kept, the AUTOINCREMENT counter carried over, the triggers put back). One transaction.
export async function up(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`CREATE TABLE boards (
      id TEXT PRIMARY KEY,
      definition TEXT NOT NULL,
      archived INTEGER NOT NULL DEFAULT 0,
      revision INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`.execute(trx);

    await sql`CREATE TABLE board_scores (
      board_id TEXT NOT NULL,
      window_key TEXT NOT NULL,
      user_id TEXT NOT NULL,
      score INTEGER NOT NULL,
      sort_key INTEGER NOT NULL,
      reached_seq INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (board_id, window_key, user_id)
    ) WITHOUT ROWID`.execute(trx);
    await sql`INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
      SELECT 'global', 'all', user_id, score, -score, reached_seq, updated_at FROM scores`.execute(trx);
    await sql`CREATE INDEX board_scores_order_idx
      ON board_scores (board_id, window_key, sort_key, reached_seq, user_id)`.execute(trx);
    await sql`DROP TABLE scores`.execute(trx);
    // Today's board under its old name, for operators' queries and scripts: read-only.
    await sql`CREATE VIEW scores AS SELECT user_id, score, reached_seq, updated_at
      FROM board_scores WHERE board_id = 'global' AND window_key = 'all'`.execute(trx);

    await sql`CREATE TABLE score_ledger_rebuilt (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      board_id TEXT NOT NULL,
      action_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      value INTEGER NOT NULL,
      previous_score INTEGER NOT NULL,
      new_score INTEGER NOT NULL,
      subject TEXT NOT NULL,
      ip TEXT,
      created_at INTEGER NOT NULL,
      UNIQUE (board_id, user_id, action_id)
    )`.execute(trx);
    await sql`INSERT INTO score_ledger_rebuilt
        (id, board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
      SELECT id, 'global', action_id, user_id, new_score, previous_score, new_score, subject, ip, created_at
      FROM score_ledger ORDER BY id`.execute(trx);
    await sql`UPDATE sqlite_sequence
      SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'score_ledger'), 0))
      WHERE name = 'score_ledger_rebuilt'`.execute(trx);
    await trx.schema.dropTable('score_ledger').execute();
    await sql`ALTER TABLE score_ledger_rebuilt RENAME TO score_ledger`.execute(trx);
    await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE ON score_ledger
      WHEN NOT (NEW.user_id LIKE 'erased:%' AND NEW.id = OLD.id AND NEW.action_id = OLD.action_id
        AND NEW.board_id = OLD.board_id AND NEW.value = OLD.value
        AND NEW.previous_score = OLD.previous_score AND NEW.new_score = OLD.new_score
        AND NEW.created_at = OLD.created_at AND NEW.ip IS NULL
        AND (NEW.subject = OLD.subject OR NEW.subject = NEW.user_id))
      BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(trx);
    await sql`CREATE TRIGGER score_ledger_no_delete BEFORE DELETE ON score_ledger
      BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(trx);
  });
}

export async function down(): Promise<void> {
  throw new Error('2026_12_03_0008_boards_and_windows cannot be undone: restore the backup taken before it');
}
