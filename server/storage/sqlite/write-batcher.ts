import type BetterSqlite3 from 'better-sqlite3';
import { StorageUnavailableError } from '../storage.js';

interface Job {
  run: () => unknown;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

/** Observes each committed batch: its size and how long the transaction took. */
export type CommitObserver = (size: number, seconds: number) => void;

/**
 * Group commit: every write submitted in the same turn of the event loop shares one
 * transaction, and each caller's promise settles only after that transaction commits.
 * A per-request transaction (one fsync each) is what limits a naive handler; sharing it
 * makes the commit cost per batch instead of per request. Each job runs in its own
 * savepoint, so one failing job does not take its neighbours down with it.
 */
export class WriteBatcher {
  private queue: Job[] = [];
  private scheduled = false;
  private readonly commitBatch: (
    jobs: Job[],
  ) => Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;

  constructor(
    db: BetterSqlite3.Database,
    private readonly observe: CommitObserver = () => {},
  ) {
    const inSavepoint = db.transaction((job: Job) => job.run());
    this.commitBatch = db.transaction((jobs: Job[]) =>
      jobs.map((job) => {
        try {
          return { ok: true as const, value: inSavepoint(job) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  /** Queues a synchronous write; resolves with its result once committed. */
  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Commits everything queued now. */
  readonly flush = (): void => {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    const started = process.hrtime.bigint();
    let results;
    try {
      results = this.commitBatch(jobs);
    } catch (error) {
      const failure = new StorageUnavailableError('the database could not commit', { cause: error });
      for (const job of jobs) job.reject(failure);
      return;
    }
    this.observe(jobs.length, Number(process.hrtime.bigint() - started) / 1e9);
    results.forEach((result, i) => {
      const job = jobs[i]!;
      if (result.ok) job.resolve(result.value);
      else job.reject(result.error);
    });
  };
}
