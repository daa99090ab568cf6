import pg from 'pg';
import { GLOBAL_BOARD_ID, type Board } from '../../server/domain/board.js';
import type { UpdateCommand } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { COMMIT_BATCH, READ_STATE } from '../../server/storage/postgres/pg-statements.js';
import { testBoard } from '../helpers/boards.js';

/** The board `global` as today's service has it, with score rules loose enough that only the rule a test is about refuses. */
export const globalBoard: Board = testBoard();
export const board = globalBoard;

/** The board `global`'s judge for a caller who may not decrease. */
export const judge = createJudge(globalBoard, false);

/** An update of a user's score by their own token, on `board` (`global` unless said). */
export const command = (
  userId: string,
  actionId: string,
  newScore: number,
  board: Board = globalBoard,
): UpdateCommand => ({
  board,
  userId,
  actionId,
  newScore,
  subject: userId,
  ip: null,
});

/** A change to the board `global`'s window `all`, as the change feed records it. */
export const globalChange = (userId: string, score: number, reachedSeq: number) => ({
  boardId: GLOBAL_BOARD_ID,
  windowKey: 'all',
  userId,
  record: { userId, score, reachedSeq },
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

/**
 * Records the write path's statements the pool runs, in order: `read` (READ_STATE), `commit`
 * (COMMIT_BATCH) or `other`, with the SQLSTATE when one failed (`commit SB003`). `after` runs
 * once a statement has run, before its result is handed back (to let something happen then).
 */
export function recordStatements(
  pool: pg.Pool,
  after?: (name: string, calls: string[]) => Promise<void>,
): string[] {
  const calls: string[] = [];
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  (pool as { query: unknown }).query = async (config: pg.QueryConfig) => {
    const name =
      config.text === READ_STATE.text ? 'read' : config.name === COMMIT_BATCH.name ? 'commit' : 'other';
    try {
      const result = await query(config);
      calls.push(name);
      await after?.(name, calls);
      return result;
    } catch (error) {
      calls.push(`${name} ${(error as { code?: string }).code}`);
      throw error;
    }
  };
  return calls;
}
