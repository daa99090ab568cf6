import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the WAL is folded back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 500;

// Plain JavaScript, so the thread needs no TypeScript loader.
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma(workerData.synchronous);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage(String(error)); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies the WAL into the database
 * file and syncs it; SQLite runs it inside whichever commit crosses the threshold, which
 * stalled that commit (and every request queued behind it) for milliseconds. Here a thread
 * with its own connection checkpoints every half second instead (PASSIVE: never blocks the
 * writer). Should that thread die, the writer's own automatic checkpoints come back on.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopping = false;

  constructor(
    file: string,
    writer: BetterSqlite3.Database,
    synchronous: string,
    onError: (message: string) => void,
  ) {
    writer.pragma('wal_autocheckpoint = 0');
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: { file, driver, synchronous, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    this.worker.on('message', (message: string) => onError(`checkpoint failed: ${message}`));
    this.worker.on('error', (error) => onError(`checkpointer failed: ${String(error)}`));
    this.worker.on('exit', () => {
      if (this.stopping || !writer.open) return;
      writer.pragma('wal_autocheckpoint = 1000');
      onError('checkpointer exited; automatic checkpoints are back on the writer');
    });
  }

  /** Stops the thread (the final checkpoint happens when the writer closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('stop');
    await exited;
  }
}
