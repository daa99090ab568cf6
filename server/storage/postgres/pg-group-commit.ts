import type { UpdateOutcome } from '../../domain/score-record.js';
import { StorageUnavailableError } from '../storage.js';
import type { CommitObserver } from '../storage.js';
import { isUnavailable } from './pg-pool.js';
import type { PgScoreWriter, UpdateJob } from './pg-score-writer.js';

/** Most updates in one transaction. */
export const MAX_BATCH = 256;
/**
 * Batches in flight at once. A batch's statements run while the one before it waits for its
 * commit's WAL flush (they only meet on the version row, taken last), so a second batch
 * hides most of each commit's round trips; more would only queue on that row.
 */
export const MAX_IN_FLIGHT = 2;

interface Waiting {
  readonly job: UpdateJob;
  resolve(outcome: UpdateOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for PostgreSQL: up to MAX_IN_FLIGHT batches in flight; updates that arrive
 * meanwhile form the next batch, so under load each commit (and its WAL flush) serves many
 * requests, and each request is answered only after its own batch commits.
 */
export class PgGroupCommit {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Users whose updates are in a batch in flight. */
  private readonly busyUsers = new Set<string>();
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly writer: PgScoreWriter,
    private readonly observe: CommitObserver = () => {},
  ) {}

  submit(job: UpdateJob): Promise<UpdateOutcome> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('the database is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.schedule();
    });
  }

  /** Lets queued updates commit; refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight > 0 || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the rest of this turn's requests join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /**
   * The next batch in arrival order, leaving in the queue (in order) the updates of users a
   * batch in flight is writing: two batches racing for one user's lock could apply that
   * user's updates out of order, and a later one would be judged against an older score.
   */
  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const held: Waiting[] = [];
    let i = 0;
    for (; i < this.queue.length && batch.length < MAX_BATCH; i++) {
      const waiting = this.queue[i]!;
      (this.busyUsers.has(waiting.job.command.userId) ? held : batch).push(waiting);
    }
    this.queue = held.concat(this.queue.slice(i));
    return batch;
  }

  private async run(): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    const batch = this.takeBatch();
    if (batch.length === 0) return; // every queued user waits for a batch in flight
    const users = [...new Set(batch.map((w) => w.job.command.userId))];
    for (const user of users) this.busyUsers.add(user);
    this.inFlight += 1;
    const started = process.hrtime.bigint();
    try {
      const outcomes = await this.writer.commit(batch.map((w) => w.job));
      this.observe(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (error) {
      const failure = isUnavailable(error) ? new StorageUnavailableError(String(error)) : error;
      for (const w of batch) w.reject(failure);
    } finally {
      for (const user of users) this.busyUsers.delete(user);
      this.inFlight -= 1;
      this.schedule();
    }
  }
}
