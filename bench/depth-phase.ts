import { spawn } from 'node:child_process';
import type { ChildServer } from './child.js';
import { REPO_ROOT } from './child.js';
import type { CpuMeter } from './cpu.js';
import type { HttpLoadResult } from './http-load.js';
import { loadWithWarmup, type Driver } from './load.js';
import type { BenchOptions } from './options.js';
import { round } from './stats.js';
import type { WrkGetResult } from './wrk-load.js';
import { Workload } from './workload.js';

/** Seed scores are below this (server/storage/seed-scores.ts): updates start above it. */
const SEED_SCORE_CEILING = 10_000;
/** The board size the depth targets are set for. */
export const DEPTH_TARGET_USERS = 1_000_000;

/** A board of `users` seeded users: seeding, start-up, memory, rank lookups, updates. */
export interface DepthResults {
  users: number;
  /** Wall time of `npm run seed -- --users N` on the fresh database. */
  seedSeconds: number;
  /** From spawning the server to its first healthy `GET /healthz`. */
  startSeconds: number;
  rssMB: {
    atStart: number | null;
    /** After the rank and update runs of this phase. */
    afterDepth: number | null;
    /** The highest one-second sample from start to stop, over every phase of the run. */
    peak: number | null;
    /** The phase that sample was taken in (`between phases` when none was measured). */
    peakPhase: string | null;
  };
  healthz: WrkGetResult | null;
  /** `GET /leaderboard/users/seed-<random>`. */
  rank: WrkGetResult | null;
  updateWarmup: HttpLoadResult | null;
  /** `POST /update-score` for random seeded users. */
  update: HttpLoadResult | null;
  /** Why the load runs were skipped (they need wrk). */
  unavailable: string | null;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
/** Bytes as MB (10⁶), one decimal; null when unknown. */
export const mb = (bytes: number | undefined) => (bytes === undefined ? null : round(bytes / 1e6, 1));

/** Runs `npm run seed -- --users N` against a SQLite file; resolves with its wall time in seconds. */
export async function seedDatabase(databaseUrl: string, users: number, secret: string): Promise<number> {
  progress(`depth: npm run seed -- --users ${users}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/seed.ts', '--users', String(users)], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: secret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`npm run seed failed (exit code ${code}):\n${output}`);
  return round((performance.now() - started) / 1000);
}

/** Samples a server's RSS every second and keeps the highest, and the phase it was seen in. */
export class RssPeak {
  private peak: number | undefined;
  private peakPhase: string | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly server: ChildServer,
    private readonly phaseNow: () => string | undefined,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  sample(): number | undefined {
    const rss = this.server.rssBytes();
    if (rss !== undefined && (this.peak === undefined || rss > this.peak)) {
      this.peak = rss;
      this.peakPhase = this.phaseNow() ?? 'between phases';
    }
    return rss;
  }

  /** Stops sampling; the peak in MB (10⁶ bytes) and its phase. */
  stop(): { peak: number | null; phase: string | null } {
    this.sample();
    clearInterval(this.timer);
    return { peak: mb(this.peak), phase: this.peakPhase };
  }
}

/**
 * The depth runs on a server that started on a seeded board: `GET /healthz` and
 * `GET /leaderboard/users/{random seeded user}` (same settings, one after the other), then
 * `POST /update-score` for random seeded users. Fills `into` as each run ends.
 */
export async function runDepthLoads(args: {
  server: ChildServer;
  /** The run's RSS sampler: the samples taken here count towards its peak. */
  rss: RssPeak;
  driver: Driver;
  cpu: CpuMeter;
  token: string;
  options: BenchOptions;
  into: DepthResults;
}): Promise<void> {
  const { server, rss, driver, cpu, options, into } = args;
  into.rssMB.atStart = mb(rss.sample());
  const get = driver.get;
  if (!get) {
    into.unavailable = 'needs wrk (the rank and random-user runs are wrk scripts)';
    return;
  }
  const parties = { servers: [() => server.cpuSeconds()], loadGenerator: true };
  const getRun = async (title: string, target: Parameters<typeof get>[0]['target']) => {
    const run = (seconds: number) =>
      get({ url: server.url, target, seconds, connections: options.connections, title });
    if (options.warmup > 0) await run(options.warmup);
    progress(`${title}: ${options.duration} s at ${options.connections} connections (wrk)`);
    return cpu.measure(title, parties, () => run(options.duration));
  };
  into.healthz = await getRun('depth: GET /healthz', { path: '/healthz' });
  into.rank = await getRun('depth: GET /leaderboard/users/{random}', { seedUsers: into.users });

  const workload = new Workload(into.users);
  workload.advanceTo(SEED_SCORE_CEILING);
  const update = await loadWithWarmup({
    driver,
    cpu,
    name: 'depth: POST /update-score (random seeded users)',
    url: server.url,
    token: args.token,
    workload,
    seconds: options.duration,
    warmup: options.warmup,
    connections: options.connections,
    settleInFlight: true,
    pick: 'random-seed',
    servers: [() => server.cpuSeconds()],
    metricsUrls: [server.url],
  });
  into.updateWarmup = update.warmup;
  into.update = update.measured;
  into.rssMB.afterDepth = mb(rss.sample());
}

export function emptyDepth(users: number): DepthResults {
  return {
    users,
    seedSeconds: 0,
    startSeconds: 0,
    rssMB: { atStart: null, afterDepth: null, peak: null, peakPhase: null },
    healthz: null,
    rank: null,
    updateWarmup: null,
    update: null,
    unavailable: null,
  };
}
