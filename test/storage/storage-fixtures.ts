import pg from 'pg';
import { GLOBAL_BOARD_ID, type Board } from '../../server/domain/board.js';
import type { UpdateCommand } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';
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
