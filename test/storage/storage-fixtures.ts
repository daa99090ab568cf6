import pg from 'pg';
import type { UpdateCommand } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { testBoard } from '../helpers/boards.js';

/** The board `global` with score rules loose enough that only the rule a test is about refuses. */
export const board = testBoard();
export const judge = createJudge(board, false);

/** An update of a user's score by their own token. */
export const command = (userId: string, actionId: string, newScore: number): UpdateCommand => ({
  board,
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
