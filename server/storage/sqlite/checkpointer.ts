import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints while the WAL grows between its passes (writes flow). */
export const CHECKPOINT_BUSY_MS = 10;
/** How often it looks when the WAL did not grow since its last pass (no writes). */
export const CHECKPOINT_IDLE_MS = 500;
/**
 * The writer still checkpoints inline past this many WAL pages (~16 MiB): a background
 * checkpoint never sees the WAL idle under steady writes, so it cannot restart it, and only
 * the writer's own checkpoint lets the file start over. The thread keeps up with the writes
 * (a pass every CHECKPOINT_BUSY_MS), so the inline one finds a few pages left to copy.
 */
export const WRITER_CHECKPOINT_PAGES = 4000;

// Plain JavaScript, so the thread needs no TypeScript loader.
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma(workerData.synchronous);
let frames = -1;
let grewAt = 0;
let timer;
function pass() {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.busy !== 0 || result.log !== frames) grewAt = Date.now();
    frames = result.log;
  } catch (error) { parentPort.postMessage(String(error)); }
  // Writes flowing (the WAL grew, or the writer held the checkpoint, within the last second):
  // keep up with them; otherwise look now and then.
  timer = setTimeout(pass, Date.now() - grewAt < workerData.idleMs * 2 ? workerData.busyMs : workerData.idleMs);
}
timer = setTimeout(pass, workerData.idleMs);
parentPort.on('message', () => { clearTimeout(timer); db.close(); parentPort.close(); });
`;

/**
 * Moves the checkpoint work off the event loop. A checkpoint copies the WAL into the
 * database file and syncs it; SQLite runs it inside whichever commit crosses the threshold
 * (1000 pages by default), which stalled that commit, and every request queued behind it, for
 * milliseconds. Here a thread with its own connection checkpoints (PASSIVE: never blocks the
 * writer) every 10 ms while the WAL grows and every half second when it does not, and the
 * writer's inline checkpoint, rarer, finds little left to copy: with a pass only every half
 * second, updates of random users at a million users left the inline checkpoint to copy the
 * whole WAL inside one commit now and then, stalling every request behind it (the measurements
 * are in docs/performance.md). Should the thread die, the writer's default threshold comes back.
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
      workerData: { file, driver, synchronous, busyMs: CHECKPOINT_BUSY_MS, idleMs: CHECKPOINT_IDLE_MS },
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
