import type pg from 'pg';
import type { SeasonStarts } from '../season-starts.js';
import { STORED_SEASONS } from './pg-statements.js';

/** Reads the season starts the database holds for these boards, and teaches them to `seasons`. */
export async function learnSeasons(
  db: Pick<pg.Pool, 'query'> | pg.PoolClient,
  seasons: SeasonStarts,
  boardIds: readonly string[],
): Promise<void> {
  const { rows } = await db.query<{ id: string; seasons: number[] }>({
    ...STORED_SEASONS,
    values: [boardIds],
  });
  for (const row of rows) seasons.learn(row.id, row.seasons);
}
