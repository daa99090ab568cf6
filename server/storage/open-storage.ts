import { ConfigError } from '../config/config.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';
import type { ScoreRules } from '../scores/score.rules.js';
import type { CommitObserver } from './sqlite/writer-client.js';
import type { Storage } from './storage.js';

/** Opens the storage that DATABASE_URL names and brings its schema up to date. */
export async function openStorage(
  databaseUrl: string,
  rules: ScoreRules,
  observe?: CommitObserver,
): Promise<Storage> {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_URL postgres:// is not supported yet; use a SQLite file path',
    );
  }
  return SqliteStorage.open(databaseUrl, rules, observe);
}
