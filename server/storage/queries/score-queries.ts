import type { Kysely } from 'kysely';
import type { ScoreRecord } from '../../domain/score-record.js';
import type { Database } from '../database.js';

// Reads that every dialect runs the same way: each takes the database first, as Kysely's
// example repositories do.

const toRecord = (row: { user_id: string; score: number; reached_seq: number }): ScoreRecord => ({
  userId: row.user_id,
  score: Number(row.score),
  reachedSeq: Number(row.reached_seq),
});

/** Every stored score, in no particular order. */
export async function allScores(db: Kysely<Database>): Promise<ScoreRecord[]> {
  const rows = await db.selectFrom('scores').select(['user_id', 'score', 'reached_seq']).execute();
  return rows.map(toRecord);
}

/** The database's identity (see ScoreStore.epoch). */
export async function epoch(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', 'epoch')
    .executeTakeFirstOrThrow();
  return row.value;
}
