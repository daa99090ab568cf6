import BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import { ensureDir } from '../../config/data-dir.js';

/** The lock of a database file: a file beside it, as its `-wal` and `-shm` are. */
export function lockFileOf(file: string): string {
  return `${file}-lock`;
}

/** Another process (a server, a seed) holds the database file; the message is one line. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/** This process's hold on a database file, until released or until the process ends. */
export interface DatabaseFileLock {
  release(): void;
}

/** Held locks, referenced here: a collected connection is closed, and its lock with it. */
const held = new Set<BetterSqlite3.Database>();

/**
 * Holds `file` for this process, so that a second server or a seed cannot write it behind the
 * back of a server that keeps its board in memory. The lock is SQLite's own: an exclusive
 * transaction, left open, on the lock file beside the database. Its POSIX lock belongs to the
 * process, and the kernel drops it when the process ends, however it ends (SIGKILL, a crash),
 * so a stale lock file never blocks anyone. An online backup does not take it: it reads
 * consistently while the server writes. Throws a DatabaseInUseError when another process
 * holds it.
 */
export function lockDatabaseFile(file: string): DatabaseFileLock {
  ensureDir(dirname(file));
  const lock = new BetterSqlite3(lockFileOf(file), { timeout: 0 });
  try {
    // Nothing is ever written, so no journal file need appear beside it either.
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    throw new DatabaseInUseError(
      `${file} is in use by another process (a running server, or npm run seed): ` +
        `it holds ${lockFileOf(file)}`,
    );
  }
  held.add(lock);
  return {
    release() {
      held.delete(lock);
      if (lock.open) lock.close();
    },
  };
}
