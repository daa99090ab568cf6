import pg from 'pg';
import type { UpdateCommand } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';

/** Score rules loose enough that only the rule a test is about refuses (no decrease). */
export const judge = createJudge({ max: 1_000_000_000, maxGain: 1_000_000, decrease: 'never' }, false);

/** An update of a user's score by their own token. */
export const command = (userId: string, actionId: string, newScore: number): UpdateCommand => ({
  userId,
  actionId,
  newScore,
  subject: userId,
  ip: null,
});

/** Runs one statement on a PostgreSQL connection of its own (behind the storage's back). */
export async function queryOnce<T extends pg.QueryResultRow = any>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}
