import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Rank marks of windows that ended, as SQLite's migration 0010: every K-th record of such a
// window in its order, with how many records are ahead of it, written once by the first read
// of a rank there. A rank is then a mark's count plus a count of at most K rows of the order
// index. Keyed by where the mark stands in the window's order, so that writing the same marks
// again (another request or instance) changes nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE rank_marks (
      board_id text NOT NULL,
      window_key text NOT NULL,
      sort_key bigint NOT NULL,
      reached_seq bigint NOT NULL,
      user_id text NOT NULL,
      ahead bigint NOT NULL,
      PRIMARY KEY (board_id, window_key, sort_key, reached_seq, user_id)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE rank_marks`.execute(db);
}
