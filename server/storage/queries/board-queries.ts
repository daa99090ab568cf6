import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { StoredBoard } from '../storage.js';

// Reads of the boards that both dialects run alike (`archived` is 0/1 on SQLite, a boolean on
// PostgreSQL); each storage writes them its own way.

/** Every stored board, by id. */
export async function listBoards(db: Kysely<Database>): Promise<StoredBoard[]> {
  const rows = await db
    .selectFrom('boards')
    .select(['id', 'definition', 'archived', 'revision'])
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    definition: row.definition,
    archived: Boolean(row.archived),
    revision: Number(row.revision),
  }));
}

/** The highest revision stored; 0 when there is no board. */
export async function boardsRevision(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('boards')
    .select((eb) => eb.fn.max('revision').as('revision'))
    .executeTakeFirst();
  return Number(row?.revision ?? 0);
}

/**
 * Whether the board holds a score in any window: a lookup on board_scores' order index, which
 * is led by board_id on both storages (the ledger has no index led by board on PostgreSQL).
 */
export async function boardHasScores(db: Kysely<Database>, boardId: string): Promise<boolean> {
  const row = await db
    .selectFrom('board_scores')
    .select('user_id')
    .where('board_id', '=', boardId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
