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

/** The best `limit` scores from `offset`, in leaderboard order. */
export async function topScores(db: Kysely<Database>, limit: number, offset = 0): Promise<ScoreRecord[]> {
  const rows = await db
    .selectFrom('scores')
    .select(['user_id', 'score', 'reached_seq'])
    .orderBy('score', 'desc')
    .orderBy('reached_seq', 'asc')
    .orderBy('user_id', 'asc')
    .limit(limit)
    .offset(offset)
    .execute();
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

/** 1 + the users ahead of `record` in leaderboard order. */
export async function rankOf(db: Kysely<Database>, record: ScoreRecord): Promise<number> {
  const row = await db
    .selectFrom('scores')
    .select((eb) => eb.fn.countAll<number>().as('ahead'))
    // The user's own row never counts as ahead of them (it may be newer than `record`).
    .where('user_id', '!=', record.userId)
    .where((eb) =>
      eb.or([
        eb('score', '>', record.score),
        eb.and([eb('score', '=', record.score), eb('reached_seq', '<', record.reachedSeq)]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.ahead) + 1;
}
