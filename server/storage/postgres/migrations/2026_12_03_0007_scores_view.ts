import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Today's board under its old name, as on SQLite (0008 there): a read-only view of the board
// global's window all, for operators' queries and scripts written before boards.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE VIEW scores AS SELECT user_id, score, reached_seq, updated_at
    FROM board_scores WHERE board_id = 'global' AND window_key = 'all'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP VIEW IF EXISTS scores`.execute(db);
}
