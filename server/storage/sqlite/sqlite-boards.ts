import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import { boardHasScores, boardsRevision, listBoards } from '../queries/board-queries.js';
import { StorageUnavailableError, type BoardStore, type StoredBoard } from '../storage.js';

/**
 * The boards in SQLite. A board changes rarely (at start, by an admin), so its one statement
 * runs on its own, outside the group commit: better-sqlite3 runs each batch of the group
 * commit synchronously, so the statement never lands inside one. One process holds the file,
 * so the next revision is simply the highest plus one.
 */
export class SqliteBoardStore implements BoardStore {
  constructor(private readonly db: Kysely<Database>) {}

  list(): Promise<StoredBoard[]> {
    return listBoards(this.db);
  }

  async put(id: string, definition: string, archived: boolean): Promise<number> {
    try {
      const row = await this.db
        .insertInto('boards')
        .values({
          id,
          definition,
          archived: archived ? 1 : 0,
          revision: sql<number>`(SELECT coalesce(max(revision), 0) + 1 FROM boards)`,
          updated_at: Date.now(),
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            definition: eb.ref('excluded.definition'),
            archived: eb.ref('excluded.archived'),
            revision: eb.ref('excluded.revision'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning('revision')
        .executeTakeFirstOrThrow();
      return row.revision;
    } catch (error) {
      // One upsert breaks no constraint: what fails is the database (full disk, I/O, closed).
      throw new StorageUnavailableError(String(error));
    }
  }

  revision(): Promise<number> {
    return boardsRevision(this.db);
  }

  hasScores(boardId: string): Promise<boolean> {
    return boardHasScores(this.db, boardId);
  }
}
