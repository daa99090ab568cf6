import type { ChildServer } from './child.js';
import type { HttpLoadResult } from './http-load.js';
import type { Driver } from './load.js';
import { round } from './stats.js';
import type { Workload } from './workload.js';

/** The server's RSS over a soak at full load. */
export interface SoakResult {
  seconds: number;
  /** Seconds at the start whose samples are not judged. */
  warmupSeconds: number;
  /** One sample per second: seconds since the soak began, RSS in MiB. */
  samples: Array<{ t: number; rssMiB: number }>;
  /**
   * Over the judged samples (after warm-up): first and last are the means of the first and
   * last five samples, so one garbage collection does not decide the verdict.
   */
  firstMiB: number;
  lastMiB: number;
  minMiB: number;
  maxMiB: number;
  /** (last - first) / first: positive when memory grew. */
  growthPct: number;
  /** (max - min) / min: how wide the sawtooth is. */
  spreadPct: number;
  load: HttpLoadResult;
}

const MiB = 1024 * 1024;

/** Runs the update load for `seconds` while sampling the server's RSS every second. */
export async function runSoak(options: {
  driver: Driver;
  server: ChildServer;
  token: string;
  workload: Workload;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}): Promise<SoakResult | { unavailable: string }> {
  if (options.server.rssBytes() === undefined) {
    return { unavailable: 'no /proc/<pid>/status on this platform: RSS cannot be sampled' };
  }
  const warmup = Math.min(options.warmupSeconds, Math.floor(options.seconds / 2));
  const samples: Array<{ t: number; rssMiB: number }> = [];
  const start = performance.now();
  const sample = () => {
    const rss = options.server.rssBytes();
    if (rss !== undefined) {
      samples.push({ t: round((performance.now() - start) / 1000, 1), rssMiB: round(rss / MiB, 1) });
    }
  };
  sample();
  const timer = setInterval(sample, 1000);
  const load = await options.driver.run({
    url: options.server.url,
    token: options.token,
    workload: options.workload,
    seconds: options.seconds,
    connections: options.connections,
    title: 'soak',
    settleInFlight: true,
  });
  clearInterval(timer);
  sample();

  const judged = samples.filter((s) => s.t >= warmup);
  const values = judged.map((s) => s.rssMiB);
  const mean = (list: number[]) => (list.length ? list.reduce((a, b) => a + b, 0) / list.length : 0);
  const window = Math.min(5, Math.max(1, Math.floor(values.length / 3)));
  const first = round(mean(values.slice(0, window)), 1);
  const last = round(mean(values.slice(-window)), 1);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return {
    seconds: options.seconds,
    warmupSeconds: warmup,
    samples,
    firstMiB: first,
    lastMiB: last,
    minMiB: min,
    maxMiB: max,
    growthPct: first ? round(((last - first) / first) * 100) : 0,
    spreadPct: min ? round(((max - min) / min) * 100) : 0,
    load,
  };
}
