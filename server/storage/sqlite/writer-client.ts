import { Worker } from 'node:worker_threads';
import type { ScoreRules } from '../../scores/score.rules.js';
import { StorageUnavailableError } from '../storage.js';
import type { FromWriter, ToWriter, WriteJob, WriteResults } from './write-jobs.js';

// The writer is TypeScript like the rest of the server: the thread registers tsx's loader
// itself (a worker does not inherit the `--import tsx` hooks on Node 20), then loads it.
const WORKER_URL = new URL('./write-worker.ts', import.meta.url).href;
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); })`;

/** Observes each committed batch: its size and how long the transaction took. */
export type CommitObserver = (size: number, seconds: number) => void;

interface Pending {
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

/**
 * The main thread's side of the writer thread. Writes submitted in the same turn of the event
 * loop travel as one message; each promise settles once the transaction holding it commits.
 */
export class WriterClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private queue: { ids: number[]; jobs: WriteJob[] } = { ids: [], jobs: [] };
  private scheduled = false;
  private nextId = 1;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(file: string, rules: ScoreRules, observe: CommitObserver = () => {}) {
    this.worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { file, rules } });
    this.worker.on('message', (message: FromWriter) => {
      if (message.kind !== 'results') return;
      observe(message.size, message.seconds);
      message.results.forEach((result, i) => {
        const id = message.ids[i]!;
        const waiter = this.pending.get(id);
        this.pending.delete(id);
        if (!waiter) return;
        if (result.ok) waiter.resolve(result.value);
        else if (result.unavailable) waiter.reject(new StorageUnavailableError(result.error));
        else waiter.reject(new Error(result.error));
      });
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('error', (error) => this.fail(error));
      this.worker.once('exit', () => {
        this.fail(new Error('the writer thread exited'));
        resolve();
      });
    });
  }

  /** Resolves once the writer thread is up and its connection open. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.once('online', () => resolve());
      this.worker.once('error', reject);
    });
  }

  /** Queues a write; resolves with its result once committed. */
  submit<K extends WriteJob['op']>(job: Extract<WriteJob, { op: K }>): Promise<WriteResults[K]> {
    if (this.failure) return Promise.reject(new StorageUnavailableError(this.failure.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.ids.push(id);
      this.queue.jobs.push(job);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.jobs.length === 0 || this.failure) return;
    const { ids, jobs } = this.queue;
    this.queue = { ids: [], jobs: [] };
    this.worker.postMessage({ kind: 'batch', ids, jobs } satisfies ToWriter);
  }

  /** Commits what is queued, then stops the writer thread. */
  async close(): Promise<void> {
    this.flush();
    if (!this.failure) this.worker.postMessage({ kind: 'close' } satisfies ToWriter);
    await this.exited;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(new StorageUnavailableError(error.message));
    this.pending.clear();
  }
}
