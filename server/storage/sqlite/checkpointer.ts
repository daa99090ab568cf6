import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the WAL is folded back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 500;
/**
 * The writer still checkpoints inline past this many WAL pages (~16 MiB): a background
 * checkpoint never sees the WAL idle under steady writes, so it cannot restart it, and only
 * the writer's own checkpoint lets the file start over. By then the thread has copied most
 * pages already, so the inline one is short.
 */
export const WRITER_CHECKPOINT_PAGES = 4000;

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
 * Moves most checkpoint work off the event loop. A checkpoint copies the WAL into the
 * database file and syncs it; SQLite runs it inside whichever commit crosses the threshold
 * (1000 pages by default), which stalled that commit, and every request queued behind it, for
 * milliseconds. Here a thread with its own connection checkpoints every half second
 * (PASSIVE: never blocks the writer), and the writer's inline checkpoint, rarer, finds little
 * left to copy. Should the thread die, the writer's default threshold comes back.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopping = false;
  private readonly exited: Promise<void>;

  constructor(
    file: string,
    writer: BetterSqlite3.Database,
    synchronous: string,
    onError: (message: string) => void,
  ) {
    writer.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: { file, driver, synchronous, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    this.worker.on('message', (message: string) => onError(`checkpoint failed: ${message}`));
    this.worker.on('error', (error) => onError(`checkpointer failed: ${String(error)}`));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('exit', () => {
      if (this.stopping || !writer.open) return;
      writer.pragma('wal_autocheckpoint = 1000');
      onError('checkpointer exited; automatic checkpoints are back on the writer');
    });
  }

  /**
   * Stops the thread (the final checkpoint happens when the writer closes). Resolves at once
   * when the thread has already exited: waiting for an exit event that already fired would
   * hang the shutdown.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.worker.postMessage('stop');
    await this.exited;
  }
}
