import type { UpdateOutcome } from '../../domain/score-record.js';
import { StorageUnavailableError } from '../storage.js';
import type { CommitObserver } from '../sqlite/group-commit.js';
import { isUnavailable } from './pg-pool.js';
import type { PgScoreWriter, UpdateJob } from './pg-score-writer.js';

/** Most updates in one transaction. */
export const MAX_BATCH = 256;

interface Waiting {
  readonly job: UpdateJob;
  resolve(outcome: UpdateOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for PostgreSQL: one batch in flight at a time; updates that arrive meanwhile
 * form the next batch, so under load each commit (and its WAL flush) serves many requests,
 * and each request is answered only after its own batch commits.
 */
export class PgGroupCommit {
  private queue: Waiting[] = [];
  private running = false;
  private closed = false;

  constructor(
    private readonly writer: PgScoreWriter,
    private readonly observe: CommitObserver = () => {},
  ) {}

  submit(job: UpdateJob): Promise<UpdateOutcome> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('the database is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let the rest of this turn's requests join the first batch.
        setImmediate(() => void this.run());
      }
    });
  }

  /** Lets queued updates commit; refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const started = process.hrtime.bigint();
      try {
        const outcomes = await this.writer.commit(batch.map((w) => w.job));
        this.observe(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
      } catch (error) {
        const failure = isUnavailable(error) ? new StorageUnavailableError(String(error)) : error;
        for (const w of batch) w.reject(failure);
      }
    }
    this.running = false;
  }
}
