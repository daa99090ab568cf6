import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Rank marks of windows that ended (issue 17): every K-th record of such a window in its order,
// with how many records are ahead of it, written once by the first read of a rank there. A
// rank is then a mark's count plus a count of at most K rows of the order index, instead of a
// count of every row ahead. Keyed by where the mark stands in the window's order, so that
// writing the same marks again (another request or instance) changes nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE rank_marks (
      board_id TEXT NOT NULL,
      window_key TEXT NOT NULL,
      sort_key INTEGER NOT NULL,
      reached_seq INTEGER NOT NULL,
      user_id TEXT NOT NULL,
      ahead INTEGER NOT NULL,
      PRIMARY KEY (board_id, window_key, sort_key, reached_seq, user_id)
    ) WITHOUT ROWID`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE rank_marks`.execute(db);
}
