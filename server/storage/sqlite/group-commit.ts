import type { SqliteWriter } from './sqlite-writer.js';
import { StorageUnavailableError, type CommitObserver } from '../storage.js';
import type { WriteJob, WriteResults } from './write-jobs.js';

interface Pending {
  job: WriteJob;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write submitted in the same turn of the event loop shares one
 * transaction, and each caller's promise settles only after that transaction commits. A
 * per-request transaction (one sync each) is what limits a naive handler; sharing it makes
 * the commit cost per batch instead of per request.
 *
 * The batch runs on the event loop (better-sqlite3 is synchronous). A writer thread was
 * tried and was slower on two cores: the messages cost more than the sync they hid
 * (docs/performance.md).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly writer: SqliteWriter,
    private readonly observe: CommitObserver = () => {},
  ) {}

  /** Queues a write; resolves with its result once committed. */
  submit<K extends WriteJob['op']>(job: Extract<WriteJob, { op: K }>): Promise<WriteResults[K]> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('the database is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const started = process.hrtime.bigint();
    const results = this.writer.commit(batch.map((p) => p.job));
    this.observe(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
    results.forEach((result, i) => {
      const { resolve, reject } = batch[i]!;
      if (result.ok) resolve(result.value);
      else if (result.unavailable) reject(new StorageUnavailableError(result.error));
      else reject(new Error(result.error));
    });
  }

  /** Commits what is queued; later writes are refused as unavailable. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
