/** Summary of a latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const BUCKET_MS = 0.05;
const MAX_MS = 60_000;

/**
 * A fixed-resolution histogram (0.05 ms buckets up to 60 s), so millions of samples cost a
 * few megabytes. Percentiles are the upper edge of their bucket; the max is exact.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(Math.ceil(MAX_MS / BUCKET_MS) + 1);
  private count = 0;
  private sum = 0;
  private max = 0;

  record(ms: number): void {
    if (Number.isNaN(ms)) return;
    const value = ms < 0 ? 0 : ms;
    const index = Math.min(this.buckets.length - 1, Math.floor(value / BUCKET_MS));
    this.buckets[index]!++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  get size(): number {
    return this.count;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(this.max, (i + 1) * BUCKET_MS);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      mean: round(this.count ? this.sum / this.count : 0),
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      max: round(this.max),
    };
  }
}

/** Rounds to `digits` decimals (results stay readable in JSON). */
export const round = (value: number, digits = 2): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
