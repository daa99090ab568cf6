import BetterSqlite3 from 'better-sqlite3';

/** Opens a connection with the pragmas every connection of ours uses. */
export function openConnection(file: string): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before anyone is told about it, even across a power loss.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}
