import { ConfigError } from '../config/config.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';
import type { CommitObserver } from './sqlite/write-batcher.js';
import type { Storage } from './storage.js';

/** Opens the storage that DATABASE_URL names and brings its schema up to date. */
export async function openStorage(databaseUrl: string, observe?: CommitObserver): Promise<Storage> {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_URL postgres:// is not supported yet; use a SQLite file path',
    );
  }
  return SqliteStorage.open(databaseUrl, observe);
}
