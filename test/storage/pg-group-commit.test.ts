import { describe, expect, it } from 'vitest';
import type { UpdateOutcome } from '../../server/domain/score-record.js';
import { PgGroupCommit } from '../../server/storage/postgres/pg-group-commit.js';
import type { PgScoreWriter, UpdateJob } from '../../server/storage/postgres/pg-score-writer.js';

/** A writer whose commits finish only when the test says so. */
class HeldWriter {
  readonly batches: string[][] = [];
  private readonly finishers: Array<() => void> = [];
  private readonly waiters: Array<() => void> = [];

  commit(jobs: readonly UpdateJob[]): Promise<UpdateOutcome[]> {
    this.batches.push(jobs.map((j) => j.command.actionId));
    for (const wake of this.waiters.splice(0)) wake();
    return new Promise((resolve) =>
      this.finishers.push(() => resolve(jobs.map(() => ({ kind: 'refused' }) as unknown as UpdateOutcome))),
    );
  }

  /** Resolves once `count` batches have been handed to the writer. */
  async started(count: number): Promise<void> {
    while (this.batches.length < count) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  finishOldest(): void {
    this.finishers.shift()!();
  }
}

const job = (userId: string, actionId: string) =>
  ({ command: { userId, actionId }, judge: () => ({ kind: 'refuse' }) }) as unknown as UpdateJob;
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('PostgreSQL group commit', () => {
  it("keeps a user's updates out of a second batch while their first batch is in flight", async () => {
    const writer = new HeldWriter();
    const commits = new PgGroupCommit(writer as unknown as PgScoreWriter);
    const done = [commits.submit(job('alice', 'a1'))];
    await writer.started(1);
    done.push(commits.submit(job('alice', 'a2')), commits.submit(job('bob', 'b1')));
    await writer.started(2);
    await turn();
    // alice's second update waits: only bob's runs beside alice's first batch.
    expect(writer.batches).toEqual([['a1'], ['b1']]);

    done.push(commits.submit(job('alice', 'a3')));
    writer.finishOldest();
    await writer.started(3);
    // Once a1 commits, alice's waiting updates go together, in arrival order.
    expect(writer.batches).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
    writer.finishOldest();
    writer.finishOldest();
    await Promise.all(done);
    await commits.close();
  });
});
