import { join } from 'node:path';
import {
  BOARD_SEED_CEILING,
  keysAt,
  middayZone,
  writeBoardsFile,
  type SeedBoard,
  type SeedDatabase,
  type SeedWindow,
} from './boards-seed.js';
import { startScoreboard, type ChildServer } from './child.js';
import type { CpuMeter, CpuProbe } from './cpu.js';
import { mb, RssPeak } from './depth-phase.js';
import type { HttpLoadResult } from './http-load.js';
import { loadWithWarmup, type Driver } from './load.js';
import type { BenchOptions } from './options.js';
import { describeFailure, type ServerExit } from './outcome.js';
import { pastBoard, runPastWindowPages, type PastWindowResult } from './past-window-phase.js';
import { runRollover, type RolloverResult } from './rollover-phase.js';
import { round, sleep } from './stats.js';
import { Workload } from './workload.js';

/** The size: 100 boards of 10,000 users, each with windows all, week and day. */
export const BOARDS_TARGET = { boards: 100, users: 10_000 } as const;
/** The size of the past window read. */
export const PAST_ROWS_TARGET = 1_000_000;
/**
 * How long a boards server may take to start: well past the 20 s target, so that a slow start
 * on a loaded machine is measured and judged rather than aborting the phases.
 */
const BOARDS_STARTUP_TIMEOUT_MS = 120_000;
/** How long the server idles after its start before its RSS is sampled again. */
const SETTLE_MS = 3000;
/** The board like the first of the many but with `all` only: the ratio's baseline. */
export const SOLO_BOARD = 'solo';

/** An update on a board with three windows against one with `all` only, in the same run. */
export interface WindowCostResult {
  /** The board with windows all, week and day. */
  three: string;
  solo: string;
  /**
   * Measured runs in the order run: solo, three, three, solo, WINDOW_COST_ROUNDS times (a drift
   * of the host cancels within each round).
   */
  runs: Array<{ board: string; result: HttpLoadResult }>;
  warmups: HttpLoadResult[];
  /** Responses per second over every run of each board, and their ratio. */
  threePerSec: number;
  soloPerSec: number;
  pooledRatio: number;
  /** three / solo of each pair of adjacent runs (solo, three), (three, solo), ... */
  pairRatios: number[];
  /**
   * The median of `pairRatios`: the judged figure. Other work on a shared machine comes in
   * bursts that can halve one run's throughput; a burst moves one pair, not the median.
   */
  ratio: number;
}

/** Rounds of solo, three, three, solo. */
export const WINDOW_COST_ROUNDS = 2;

/** Many boards in one instance: start, memory, the cost of windows, a rollover, a past window. */
export interface BoardsResults {
  boards: number;
  usersPerBoard: number;
  /** The zone of every board's `day` and `week` (picked so neither ends during the run). */
  zone: string;
  /** Rows seeded into board_scores (every window of every board, `solo` included). */
  rows: number;
  seedSeconds: number;
  /** From spawning the server on the seeded database to its first healthy `GET /healthz`. */
  startSeconds: number;
  /** At the first healthy answer, 3 s later, after the load runs, and the peak of 1 s samples. */
  rssMB: { atStart: number | null; settled: number | null; afterLoads: number | null; peak: number | null };
  windowCost: WindowCostResult | null;
  rollover: RolloverResult | null;
  /** Ledger rows written during the runs (after seeding), and updates answered 200. */
  ledger: { newRows: number; accepted: number };
  past: PastWindowResult | null;
  /** Why the load runs were skipped (they need wrk). */
  unavailable: string | null;
  failure: string | null;
}

/** Where the boards phases keep their databases: a fresh one per server, migrated by it. */
export interface BoardsStorage {
  /** A new database: its URL for the server, and its fixture access. */
  create(name: string): Promise<{ url: string; db: SeedDatabase }>;
  /** Environment for each server (REDIS_URL and such). */
  env: Record<string, string>;
  /** Processes whose CPU counts beside the server's (PostgreSQL). */
  others?: Record<string, CpuProbe>;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * The many-boards phases, each server on a database of its own:
 * 1. `boards` boards of `boardUsers` users with windows all, week and day, plus `solo` (all
 *    only, the same users): seeded by direct SQL, then the server started on it (open, migrate,
 *    registry, load of every current window) and its RSS; updates to board 1 against `solo`;
 *    a season rollover under load;
 * 2. a board whose previous day holds `pastRows` users: pages read at every depth.
 */
export async function runBoardsPhases(args: {
  options: BenchOptions;
  driver: Driver;
  cpu: CpuMeter;
  secret: string;
  token: string;
  workDir: string;
  storage: BoardsStorage;
  exits: ServerExit[];
}): Promise<BoardsResults> {
  const { options, driver, cpu, storage } = args;
  const now = Date.now();
  const zone = middayZone(now);
  const windows: SeedWindow[] = [
    { kind: 'week', zone },
    { kind: 'day', zone },
  ];
  const users = options.boardUsers;
  const boards: SeedBoard[] = Array.from({ length: options.boards }, (_, k) => ({
    id: `board-${String(k + 1).padStart(3, '0')}`,
    windows,
    first: k * users,
    users,
    windowKeys: keysAt(windows, now),
  }));
  const solo: SeedBoard = { id: SOLO_BOARD, windows: [], first: 0, users, windowKeys: [] };
  const out: BoardsResults = {
    boards: options.boards,
    usersPerBoard: users,
    zone,
    rows: 0,
    seedSeconds: 0,
    startSeconds: 0,
    rssMB: { atStart: null, settled: null, afterLoads: null, peak: null },
    windowCost: null,
    rollover: null,
    ledger: { newRows: 0, accepted: 0 },
    past: null,
    unavailable: driver.get ? null : 'needs wrk (random users, board routes, latency around an instant)',
    failure: null,
  };
  const start = async (name: string, url: string, file: string) => {
    const { server } = await startScoreboard({
      databaseUrl: url,
      secret: args.secret,
      name,
      dbSync: options.dbSync,
      env: { ...storage.env, BOARDS_FILE: file },
      startupTimeoutMs: BOARDS_STARTUP_TIMEOUT_MS,
    });
    return server;
  };
  const stop = async (server: ChildServer) => {
    const stopped = await server.stop();
    args.exits.push({ name: server.name, code: stopped.code, signal: stopped.signal });
  };
  /** A database with these boards seeded, and the server started on it (timed). */
  const prepare = async (name: string, seeded: SeedBoard[]) => {
    const { url, db } = await storage.create(name);
    const file = join(args.workDir, `${name}.json`);
    writeBoardsFile(file, seeded);
    progress(`${name}: migrating and storing ${seeded.length} boards`);
    await stop(await start(`${name} (migrating)`, url, file));
    progress(`${name}: seeding ${seeded.reduce((n, b) => n + b.users * (1 + b.windowKeys.length), 0)} rows`);
    const seeding = performance.now();
    const rows = await db.seed(seeded, now);
    const seedSeconds = round((performance.now() - seeding) / 1000);
    const starting = performance.now();
    const server = await start(name, url, file);
    return { db, server, rows, seedSeconds, startSeconds: round((performance.now() - starting) / 1000) };
  };

  try {
    if (boards.length > 0) await manyBoards();
    if (options.pastRows > 0 && driver.get) {
      const board = pastBoard(zone, options.pastRows, now);
      const past = await prepare('past-window', [board]);
      try {
        out.past = await runPastWindowPages({
          server: past.server,
          db: past.db,
          board,
          get: driver.get,
          cpu,
          connections: options.connections,
          warmup: options.warmup,
          seconds: options.duration,
        });
      } finally {
        await stop(past.server);
      }
    }
  } catch (error) {
    out.failure = describeFailure(error);
    progress(`boards phases failed: ${out.failure}`);
  }
  return out;

  async function manyBoards(): Promise<void> {
    const many = await prepare('many-boards', [...boards, solo]);
    Object.assign(out, { rows: many.rows, seedSeconds: many.seedSeconds, startSeconds: many.startSeconds });
    const { server, db } = many;
    const rss = new RssPeak(server, () => cpu.current);
    try {
      out.rssMB.atStart = mb(rss.sample());
      await sleep(SETTLE_MS);
      out.rssMB.settled = mb(rss.sample());
      const ledgerBefore = await db.ledgerRows();
      if (!out.unavailable) {
        out.windowCost = await runWindowCost({ ...args, server, three: boards[0]!, solo });
        out.rollover = await runRollover({
          server,
          db,
          driver,
          cpu,
          secret: args.secret,
          token: args.token,
          users: options.users,
          connections: options.connections,
          warmup: options.warmup,
          seconds: options.duration,
          zone,
        });
      }
      out.rssMB.afterLoads = mb(rss.sample());
      out.ledger.newRows = (await db.ledgerRows()) - ledgerBefore;
      out.ledger.accepted = acceptedIn(out);
    } finally {
      out.rssMB.peak = rss.stop().peak;
      await stop(server);
    }
  }
}

/**
 * `POST /boards/{board}/scores` for random users of a board with windows all, week and day,
 * against the same on `solo` (all only, the same users and scores), each after a warm-up, in
 * the order solo, three, three, solo, WINDOW_COST_ROUNDS times.
 */
async function runWindowCost(args: {
  options: BenchOptions;
  driver: Driver;
  cpu: CpuMeter;
  token: string;
  server: ChildServer;
  three: SeedBoard;
  solo: SeedBoard;
}): Promise<WindowCostResult> {
  const { options, server } = args;
  const workload = new Workload(args.three.users);
  workload.advanceTo(BOARD_SEED_CEILING);
  const seconds = Math.max(1, Math.round(options.duration / 2));
  const load = (board: SeedBoard, warmup: number) =>
    loadWithWarmup({
      driver: args.driver,
      cpu: args.cpu,
      name: `POST /boards/${board.id}/scores (${board.windowKeys.length + 1} window${board.windowKeys.length ? 's' : ''})`,
      url: server.url,
      token: args.token,
      workload,
      seconds,
      warmup,
      connections: options.connections,
      settleInFlight: true,
      pick: 'random-seed',
      path: `/boards/${board.id}/scores`,
      servers: [() => server.cpuSeconds()],
      metricsUrls: [server.url],
    });
  const warmups: HttpLoadResult[] = [];
  const runs: WindowCostResult['runs'] = [];
  const order = Array.from({ length: WINDOW_COST_ROUNDS }, (_, i) => [
    [args.solo, i === 0 ? options.warmup : 0],
    [args.three, i === 0 ? options.warmup : 0],
    [args.three, 0],
    [args.solo, 0],
  ]).flat() as Array<[SeedBoard, number]>;
  for (const [board, warmup] of order) {
    const { warmup: w, measured } = await load(board, warmup);
    if (w) warmups.push(w);
    runs.push({ board: board.id, result: measured });
  }
  const perSec = (id: string) => {
    const of = runs.filter((r) => r.board === id).map((r) => r.result);
    return round(of.reduce((n, r) => n + r.responses, 0) / of.reduce((s, r) => s + r.seconds, 0));
  };
  const threePerSec = perSec(args.three.id);
  const soloPerSec = perSec(args.solo.id);
  const pairRatios: number[] = [];
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const [a, b] = [runs[i]!, runs[i + 1]!];
    const [three, solo] = a.board === args.three.id ? [a, b] : [b, a];
    const soloRate = solo.result.requestsPerSec;
    pairRatios.push(soloRate > 0 ? round(three.result.requestsPerSec / soloRate, 3) : 0);
  }
  return {
    three: args.three.id,
    solo: args.solo.id,
    runs,
    warmups,
    threePerSec,
    soloPerSec,
    pooledRatio: soloPerSec > 0 ? round(threePerSec / soloPerSec, 3) : 0,
    pairRatios,
    ratio: round(median(pairRatios), 3),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Distinct action_ids answered 200 on the many-boards server. */
function acceptedIn(out: BoardsResults): number {
  const cost = out.windowCost;
  const r = out.rollover;
  return (
    (cost
      ? [...cost.warmups, ...cost.runs.map((run) => run.result)].reduce((n, x) => n + x.accepted, 0)
      : 0) + (r ? (r.warmup?.accepted ?? 0) + r.measured.accepted : 0)
  );
}
