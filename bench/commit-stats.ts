import { round } from './stats.js';

/** The group commit during a measured run, from the servers' /metrics (all instances summed). */
export interface CommitStats {
  /** Write transactions (batches) committed. */
  batches: number;
  /** Updates per batch, on average. */
  meanBatchSize: number;
  /** Time from BEGIN to COMMIT of one batch, on average (the database's share of a request). */
  meanCommitMs: number;
}

interface Totals {
  commitSeconds: number;
  commits: number;
  batchSizeSum: number;
}

const METRIC = (name: string) => new RegExp(`^${name} ([\\d.e+-]+)$`, 'm');

/** The commit counters of the servers now; undefined if one cannot be read. */
export async function readCommitTotals(urls: string[]): Promise<Totals | undefined> {
  const totals: Totals = { commitSeconds: 0, commits: 0, batchSizeSum: 0 };
  for (const url of urls) {
    const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })
      .then((res) => (res.ok ? res.text() : ''))
      .catch(() => '');
    const read = (name: string) => Number(METRIC(name).exec(text)?.[1] ?? Number.NaN);
    const values = {
      commitSeconds: read('scoreboard_db_commit_duration_seconds_sum'),
      commits: read('scoreboard_db_commit_duration_seconds_count'),
      batchSizeSum: read('scoreboard_db_commit_batch_size_sum'),
    };
    if (!Object.values(values).every(Number.isFinite)) return undefined;
    totals.commitSeconds += values.commitSeconds;
    totals.commits += values.commits;
    totals.batchSizeSum += values.batchSizeSum;
  }
  return totals;
}

/** What happened between two readings. */
export function commitStats(before: Totals | undefined, after: Totals | undefined): CommitStats | undefined {
  if (!before || !after) return undefined;
  const batches = after.commits - before.commits;
  if (batches <= 0) return undefined;
  return {
    batches,
    meanBatchSize: round((after.batchSizeSum - before.batchSizeSum) / batches, 1),
    meanCommitMs: round(((after.commitSeconds - before.commitSeconds) / batches) * 1000, 2),
  };
}
