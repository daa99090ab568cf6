import type { ChildServer } from './child.js';
import type { CpuMeter } from './cpu.js';
import type { HttpLoadResult } from './http-load.js';
import { loadWithWarmup, type Driver } from './load.js';
import type { BenchOptions } from './options.js';
import type { WrkGetResult } from './wrk-load.js';
import type { Workload } from './workload.js';

/** The typed door (tRPC over HTTP) against the plain one, in the same run and settings. */
export interface TypedResults {
  /** `POST /trpc/scores.update` with the bodies `POST /update-score` gets (compared with `updateScore`). */
  trpcUpdate: HttpLoadResult | null;
  trpcUpdateWarmup: HttpLoadResult | null;
  /** `GET /leaderboard?limit=10`. */
  plainTop: WrkGetResult | null;
  /** `GET /trpc/leaderboard.top?input={"limit":10}`. */
  trpcTop: WrkGetResult | null;
  /** Why the runs were skipped (they need wrk). */
  unavailable: string | null;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const TRPC_TOP = `/trpc/leaderboard.top?input=${encodeURIComponent(JSON.stringify({ limit: 10 }))}`;

/** Runs tRPC `scores.update`, then `GET /leaderboard` and tRPC `leaderboard.top`, each after a warm-up. */
export async function runTypedPaths(args: {
  server: ChildServer;
  driver: Driver;
  cpu: CpuMeter;
  token: string;
  workload: Workload;
  options: BenchOptions;
}): Promise<TypedResults> {
  const { server, driver, cpu, options } = args;
  const get = driver.get;
  if (!get) {
    return {
      trpcUpdate: null,
      trpcUpdateWarmup: null,
      plainTop: null,
      trpcTop: null,
      unavailable: 'needs wrk',
    };
  }
  const update = await loadWithWarmup({
    driver,
    cpu,
    name: 'tRPC scores.update',
    url: server.url,
    token: args.token,
    workload: args.workload,
    seconds: options.duration,
    warmup: options.warmup,
    connections: options.connections,
    settleInFlight: true,
    trpc: true,
    servers: [() => server.cpuSeconds()],
  });
  const parties = { servers: [() => server.cpuSeconds()], loadGenerator: true };
  const read = async (title: string, path: string) => {
    const run = (seconds: number) =>
      get({ url: server.url, target: { path }, seconds, connections: options.connections, title });
    if (options.warmup > 0) await run(options.warmup);
    progress(`${title}: ${options.duration} s at ${options.connections} connections (wrk)`);
    return cpu.measure(title, parties, () => run(options.duration));
  };
  return {
    trpcUpdate: update.measured,
    trpcUpdateWarmup: update.warmup,
    plainTop: await read('GET /leaderboard?limit=10', '/leaderboard?limit=10'),
    trpcTop: await read('tRPC leaderboard.top', TRPC_TOP),
    unavailable: null,
  };
}
