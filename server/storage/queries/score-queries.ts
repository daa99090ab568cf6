import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

// Reads that every dialect runs the same way: each takes the database first, as Kysely's
// example repositories do.

/** The database's identity (see ScoreStore.epoch). */
export async function epoch(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', 'epoch')
    .executeTakeFirstOrThrow();
  return row.value;
}
