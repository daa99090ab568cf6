import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../server/storage/database.js';
import { migrateToLatest } from '../../server/storage/migrate.js';
import { migrations } from '../../server/storage/sqlite/migrations/index.js';
import { SqliteBoardStore } from '../../server/storage/sqlite/sqlite-boards.js';
import type { BoardStoreUnderTest } from '../contracts/board-store.contract.js';

let submissions = 0;

/**
 * The boards of a SQLite file (created and migrated if new), with a connection of their own:
 * what the registry's tests open and reopen, as a server would at each start.
 */
export async function openSqliteBoards(file: string): Promise<BoardStoreUnderTest> {
  const sqlite = new BetterSqlite3(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db, migrations);
  return {
    store: new SqliteBoardStore(db),
    addSubmission: async (boardId) => {
      submissions += 1;
      sqlite
        .prepare(
          `INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
           VALUES (?, 'all', ?, 10, -10, ?, ?)`,
        )
        .run(boardId, `u${submissions}`, submissions, Date.now());
    },
    close: () => db.destroy(),
  };
}
