import pg from 'pg';
import type { ScoreRecord } from '../server/domain/score-record.js';
import { BOARD_SEED_CEILING, SEASONS_SQL, type SeedDatabase } from './boards-seed.js';

/** Seed user `$first + i`'s score: boards-seed.ts's hash, with PostgreSQL's parameters. */
const SCORE_SQL = `((($2::bigint + i + 1) * 2654435761) % ${BOARD_SEED_CEILING})`;

/**
 * Each board's ledger rows (their ids assigned by the ledger's identity), and from what they
 * returned a row in `all` and in each window key, as sqliteSeedDatabase writes them.
 */
const SEED_BOARD_SQL = `WITH ledger AS (
    INSERT INTO score_ledger (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
    SELECT $1, 'seed-' || ($2::bigint + i), 'seed-' || ($2::bigint + i), ${SCORE_SQL}, 0, ${SCORE_SQL}, 'seed', NULL, $4
      FROM generate_series(0, $3::bigint - 1) AS i
    RETURNING id, user_id, new_score)
  INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
  SELECT $1, k.key, ledger.user_id, ledger.new_score, -ledger.new_score, ledger.id, $4
    FROM ledger CROSS JOIN unnest($5::text[]) AS k(key)`;

/** A schema of a PostgreSQL database (its URL sets the search_path), one connection per call. */
export function pgSeedDatabase(url: string): SeedDatabase {
  const use = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {}); // a lost connection fails the query in `work` instead
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const count = async (client: pg.Client, text: string, values: unknown[] = []) =>
    Number((await client.query<{ n: string }>(text, values)).rows[0]!.n);
  return {
    seed: (boards, nowMs) =>
      use(async (client) => {
        let rows = 0;
        for (const board of boards) {
          if (board.users === 0) continue;
          const keys = ['all', ...board.windowKeys];
          rows += (await client.query(SEED_BOARD_SQL, [board.id, board.first, board.users, nowMs, keys]))
            .rowCount!;
        }
        // What autovacuum does shortly after a load this size (PostgreSQL 13+ vacuums after
        // inserts too): statistics for the planner, and the visibility map that lets a page of
        // a past window be an index-only scan.
        await client.query('VACUUM (ANALYZE) score_ledger, board_scores');
        return rows;
      }),
    ledgerRows: () => use((client) => count(client, 'SELECT count(*) AS n FROM score_ledger')),
    actionIds: (boardId) =>
      use(async (client) => {
        const { rows } = await client.query<{ action_id: string }>(
          'SELECT action_id FROM score_ledger WHERE board_id = $1',
          [boardId],
        );
        return new Set(rows.map((r) => r.action_id));
      }),
    seasons: (boardId) =>
      use(async (client) => {
        const row = (await client.query<Record<string, string>>(SEASONS_SQL, [boardId])).rows[0]!;
        return {
          all: Number(row.all),
          before: Number(row.before),
          after: Number(row.after),
          unbalanced: Number(row.unbalanced),
        };
      }),
    recordsAt: (boardId: string, windowKey: string, positions: readonly number[]) =>
      use(async (client) => {
        const { rows } = await client.query<{ user_id: string; score: string; reached_seq: string }>(
          `SELECT user_id, score, reached_seq FROM (
             SELECT user_id, score, reached_seq,
                    row_number() OVER (ORDER BY sort_key, reached_seq, user_id) - 1 AS position
               FROM board_scores WHERE board_id = $1 AND window_key = $2) AS ranked
           WHERE position = ANY($3::bigint[]) ORDER BY position`,
          [boardId, windowKey, [...positions]],
        );
        return rows.map((r): ScoreRecord => ({
          userId: r.user_id,
          score: Number(r.score),
          reachedSeq: Number(r.reached_seq),
        }));
      }),
  };
}
