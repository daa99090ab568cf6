import { GLOBAL_BOARD_ID } from '../../domain/board.js';
import { SEED_CHUNK, seedScore, seedUser } from '../seed-scores.js';
import { createPool, inTransaction } from './pg-pool.js';
import { PostgresStorage } from './postgres-storage.js';

/**
 * Adds seed users 0..count-1 that are not there yet to the board `global` (window `all`), in
 * transactions of SEED_CHUNK users; resolves with how many were added. Then takes a new board version and empties the change
 * feed, so that running instances, finding themselves behind its horizon, reload the board.
 */
export async function seedPostgres(
  url: string,
  count: number,
  progress: (done: number) => void,
): Promise<number> {
  await (await PostgresStorage.open({ url })).close(); // the schema, migrated
  const pool = createPool(url, 2);
  try {
    let added = 0;
    for (let from = 0; from < count; from += SEED_CHUNK) {
      const users: string[] = [];
      const scores: number[] = [];
      for (let i = from; i < Math.min(count, from + SEED_CHUNK); i++) {
        users.push(seedUser(i));
        scores.push(seedScore(i));
      }
      const result = await pool.query(
        `WITH input AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS t(user_id, score)),
              fresh AS (SELECT input.* FROM input WHERE NOT EXISTS (
                SELECT 1 FROM board_scores s
                WHERE s.user_id = input.user_id AND s.board_id = $4 AND s.window_key = 'all')),
              ledger AS (
                INSERT INTO score_ledger
                  (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
                SELECT $4, user_id, user_id, score, 0, score, 'seed', NULL, $3 FROM fresh
                ON CONFLICT (user_id, board_id, action_id) DO NOTHING
                RETURNING id, user_id, new_score)
         INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
         SELECT $4, 'all', user_id, new_score, -new_score, id, $3 FROM ledger
         ON CONFLICT (user_id, board_id, window_key) DO NOTHING`,
        [users, scores, Date.now(), GLOBAL_BOARD_ID],
      );
      added += result.rowCount ?? 0;
      progress(Math.min(count, from + SEED_CHUNK));
    }
    await inTransaction(pool, 'BEGIN', async (client) => {
      await client.query('UPDATE board_version SET version = version + 1 WHERE id = 1');
      await client.query('DELETE FROM board_changes');
    });
    return added;
  } finally {
    await pool.end();
  }
}
