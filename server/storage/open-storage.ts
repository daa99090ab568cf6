import { ConfigError } from '../config/config.js';
import type { CommitObserver } from './sqlite/group-commit.js';
import type { SyncMode } from './sqlite/sqlite-connection.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './storage.js';

/** Opens the storage that DATABASE_URL names and brings its schema up to date. */
export async function openStorage(
  databaseUrl: string,
  options: {
    sync: SyncMode;
    observe?: CommitObserver;
    onError?: (message: string) => void;
  },
): Promise<Storage> {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_URL postgres:// is not supported yet; use a SQLite file path',
    );
  }
  return SqliteStorage.open({ file: databaseUrl, ...options });
}
