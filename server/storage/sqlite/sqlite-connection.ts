import BetterSqlite3 from 'better-sqlite3';

/** `full`: every commit is synced to disk; `normal`: synced at checkpoints only. */
export type SyncMode = 'full' | 'normal';

/**
 * Opens a connection with the pragmas every connection of ours uses. In WAL mode both sync
 * modes keep every commit across a crash of the process; only `full` also keeps the last
 * commits across a power loss or kernel crash, at the price of an fsync per commit.
 */
export function openConnection(file: string, sync: SyncMode): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(synchronousPragma(sync));
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/** The pragma that sets a connection's sync mode. */
export function synchronousPragma(sync: SyncMode): string {
  return sync === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL';
}
