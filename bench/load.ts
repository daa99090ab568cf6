import { commitStats, readCommitTotals } from './commit-stats.js';
import type { CpuMeter, CpuProbe } from './cpu.js';
import { runHttpLoad, type HttpLoadResult, type LoadDriver, type LoadOptions } from './http-load.js';
import type { Check } from './report.js';
import { findWrk, runWrkGet, runWrkLoad, wrkVersion, type WrkGetResult } from './wrk-load.js';

/** The chosen load generator: wrk when installed (or asked for), else autocannon. */
export interface Driver {
  name: LoadDriver;
  /** e.g. `wrk debian/4.1.0-3+b2, 1 thread` or `autocannon 9 (in the benchmark process)`. */
  description: string;
  /** wrk threads (`-t`). */
  threads: number;
  run(options: LoadOptions): Promise<HttpLoadResult>;
  /** GETs with wrk (wrk only: the phases that need it are skipped under autocannon). */
  get?: (options: Omit<Parameters<typeof runWrkGet>[1], 'threads'>) => Promise<WrkGetResult>;
}

export function pickDriver(requested: 'auto' | LoadDriver, threads: number): Driver {
  const wrk = requested === 'autocannon' ? undefined : findWrk();
  if (requested === 'wrk' && !wrk) throw new Error('--driver wrk: wrk is not on PATH (apt-get install wrk)');
  if (wrk) {
    return {
      name: 'wrk',
      description: `${wrkVersion(wrk)}, ${threads} thread${threads === 1 ? '' : 's'}, a process of its own`,
      threads,
      run: (options) => runWrkLoad(wrk, { ...options, threads }),
      get: (options) => runWrkGet(wrk, { ...options, threads }),
    };
  }
  return {
    name: 'autocannon',
    description: 'autocannon, inside the benchmark process (wrk is not on PATH)',
    threads: 1,
    run: runHttpLoad,
  };
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** A warm-up run (unless 0 s), then the measured run with the CPU of every party recorded. */
export async function loadWithWarmup(args: {
  driver: Driver;
  cpu: CpuMeter;
  /** Names the phase (and the runs' titles). */
  name: string;
  url: string;
  token: string;
  workload: LoadOptions['workload'];
  seconds: number;
  warmup: number;
  connections: number;
  settleInFlight: boolean;
  servers: CpuProbe[];
  others?: Record<string, CpuProbe>;
  /** Which users the updates go to (default round-robin over the workload's). */
  pick?: LoadOptions['pick'];
  trpc?: boolean;
  /** Another route for the same bodies, e.g. `/boards/{board}/scores`. */
  path?: string;
  /** Scoreboard instances whose /metrics tell the group commit's batches (none for the bare server). */
  metricsUrls?: string[];
}): Promise<{ warmup: HttpLoadResult | null; measured: HttpLoadResult }> {
  const run = (seconds: number, title: string) =>
    args.driver.run({
      url: args.url,
      token: args.token,
      workload: args.workload,
      seconds,
      connections: args.connections,
      title,
      settleInFlight: args.settleInFlight,
      pick: args.pick,
      trpc: args.trpc,
      path: args.path,
    });
  let warmup: HttpLoadResult | null = null;
  if (args.warmup > 0) {
    progress(`${args.name}: ${args.warmup} s warm-up`);
    warmup = await run(args.warmup, `${args.name} warm-up`);
  }
  progress(`${args.name}: ${args.seconds} s at ${args.connections} connections (${args.driver.name})`);
  const before = args.metricsUrls ? await readCommitTotals(args.metricsUrls) : undefined;
  const measured = await args.cpu.measure(
    args.name,
    { servers: args.servers, loadGenerator: args.driver.name === 'wrk', others: args.others },
    () => run(args.seconds, args.name),
  );
  if (args.metricsUrls) {
    const commits = commitStats(before, await readCommitTotals(args.metricsUrls));
    if (commits) measured.commits = commits;
  }
  return { warmup, measured };
}

/** Whether a load run had no errors of any kind. */
export const httpClean = (r: HttpLoadResult): boolean =>
  r.non2xx === 0 &&
  r.errors === 0 &&
  r.timeouts === 0 &&
  r.mismatches === 0 &&
  Object.keys(r.settled.replayedOther).length === 0 &&
  (!r.wrk || (r.wrk.requests === r.responses && r.wrk.untracked === 0));

/** The counts behind `httpClean`, for the self-verification list. */
export const httpDetail = (r: HttpLoadResult): string =>
  `${r.driver}: ${r.responses} responses, status ${JSON.stringify(r.statusCodes)}, errors ${r.errors}, timeouts ${r.timeouts}, ` +
  `mismatches ${r.mismatches}, in flight at cut-off ${r.settled.inFlight} (replays: ${r.settled.replayed200} × 200` +
  `${Object.keys(r.settled.replayedOther).length ? `, others ${JSON.stringify(r.settled.replayedOther)}` : ''})` +
  (r.wrk
    ? `; wrk counted ${r.wrk.requests} responses, socket errors ${JSON.stringify(r.wrk.socketErrors)}, ` +
      `untracked answers ${r.wrk.untracked}`
    : '');

/** The check that a load run had no errors of any kind. */
export const loadCheck = (name: string, r: HttpLoadResult): Check => ({
  name: `${name}: no errors`,
  passed: httpClean(r),
  detail: httpDetail(r),
});

/** The check that a run of GETs was answered 200 every time, each answer the one asked for. */
export const getCheck = (name: string, r: WrkGetResult): Check => ({
  name: `${name}: every answer 200 and right`,
  passed: r.responses > 0 && r.non2xx + r.errors + r.timeouts + r.mismatches === 0,
  detail: `wrk: ${r.responses} responses, status ${JSON.stringify(r.statusCodes)}, errors ${r.errors}, timeouts ${r.timeouts}, wrong answers ${r.mismatches}`,
});
