import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../database.js';
import { boardHasScores, boardsRevision, listBoards } from '../queries/board-queries.js';
import type { BoardStore, StoredBoard } from '../storage.js';
import { inTransaction, orUnavailable } from './pg-pool.js';

/**
 * The boards in PostgreSQL, shared by every instance. A change takes the table's lock first
 * (readers go on), so the next revision is the highest committed plus one and revisions
 * commit in order: an instance that saw revision n has seen every change up to it.
 */
export class PgBoardStore implements BoardStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly pool: pg.Pool,
  ) {}

  list(): Promise<StoredBoard[]> {
    return listBoards(this.db);
  }

  put(id: string, definition: string, archived: boolean): Promise<number> {
    return orUnavailable(() =>
      inTransaction(this.pool, 'BEGIN', async (client) => {
        await client.query('LOCK TABLE boards IN EXCLUSIVE MODE');
        const { rows } = await client.query<{ revision: number }>(
          `INSERT INTO boards (id, definition, archived, revision, updated_at)
           VALUES ($1, $2, $3, (SELECT coalesce(max(revision), 0) + 1 FROM boards), $4)
           ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, archived = excluded.archived,
             revision = excluded.revision, updated_at = excluded.updated_at
           RETURNING revision`,
          [id, definition, archived, Date.now()],
        );
        return rows[0]!.revision;
      }),
    );
  }

  revision(): Promise<number> {
    return boardsRevision(this.db);
  }

  hasScores(boardId: string): Promise<boolean> {
    return boardHasScores(this.db, boardId);
  }
}
