import { isPostgresUrl } from '../config/database-url.js';
import { PostgresStorage } from './postgres/postgres-storage.js';
import type { CommitObserver } from './storage.js';
import type { SyncMode } from './sqlite/sqlite-connection.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './storage.js';

/** Opens the storage DATABASE_URL names (a SQLite file, or postgres://) and brings its schema up to date. */
export async function openStorage(
  databaseUrl: string,
  options: {
    sync: SyncMode;
    observe?: CommitObserver;
    onError?: (message: string) => void;
  },
): Promise<Storage> {
  if (isPostgresUrl(databaseUrl)) {
    return PostgresStorage.open({ url: databaseUrl, observe: options.observe, onError: options.onError });
  }
  return SqliteStorage.open({ file: databaseUrl, ...options });
}
