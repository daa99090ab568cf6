import type { SeasonSplit, SeedDatabase, SeedWindow } from './boards-seed.js';
import type { ChildServer } from './child.js';
import type { CpuMeter } from './cpu.js';
import type { HttpLoadResult } from './http-load.js';
import type { Driver } from './load.js';
import { LatencyHistogram, round, sleep, type LatencySummary } from './stats.js';
import { adminToken, Workload } from './workload.js';

/** The board the rollover phase creates. */
export const ROLLOVER_BOARD = 'rollover';

/** A season rollover under write load, and what the database holds afterwards. */
export interface RolloverResult {
  board: string;
  windows: SeedWindow[];
  /** The instant season 1 began (epoch ms): the rollover. */
  instantMs: number;
  /** Where the instant fell in the measured run, in seconds from its start. */
  instantAfterSeconds: number;
  warmup: HttpLoadResult | null;
  measured: HttpLoadResult;
  /** The latencies of the updates sent within half a second of the instant (`count` of them). */
  aroundInstant: LatencySummary;
  /** Updates answered 200 (warm-up, run and settled in-flight ones): distinct action_ids. */
  acknowledged: number;
  /** Acknowledged updates whose action_id is not in the board's ledger (must be 0). */
  missing: number;
  /** Ledger rows of the board (must equal `acknowledged`). */
  ledgerRows: number;
  seasons: SeasonSplit;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * A rollover under load. Day and week windows end at a zone's midnight, which falls only on
 * whole quarter hours of UTC for IANA zones (the server takes no fixed-offset zones), so a day
 * cannot be made to end a few seconds into the run; a season can: the board is created
 * (admin.createBoard) with windows `all`, `day` and `season` whose second season starts a few
 * seconds ahead. That is the same event as a midnight: the window in force at the instant a
 * write commits changes from one key to the next, by the clock alone, with nothing scheduled.
 * Updates go round-robin over `users` users from a warm-up until `seconds` after the instant;
 * then every update answered 200 must be in the ledger, and each user's whole-board score must
 * be the sum of their two seasons' (every point counted in exactly one season).
 */
export async function runRollover(args: {
  server: ChildServer;
  db: SeedDatabase;
  driver: Driver;
  cpu: CpuMeter;
  secret: string;
  token: string;
  users: number;
  connections: number;
  warmup: number;
  /** Seconds of load before the instant, and after it. */
  seconds: number;
  zone: string;
}): Promise<RolloverResult> {
  const { server, driver, cpu } = args;
  const seconds = Math.max(1, Math.round(args.seconds));
  const warmup = args.warmup > 0 ? Math.max(1, Math.round(args.warmup)) : 0;
  // Slack for the warm-up's own start and settling.
  const instantMs = Math.ceil((Date.now() + (warmup + seconds + 2) * 1000) / 1000) * 1000;
  const windows: SeedWindow[] = [
    { kind: 'day', zone: args.zone },
    { kind: 'season', zone: 'UTC', season_starts: [instantMs] },
  ];
  await createBoard(server.url, adminToken(args.secret), { id: ROLLOVER_BOARD, windows });

  const workload = new Workload(args.users);
  const path = `/boards/${ROLLOVER_BOARD}/scores`;
  const acked: string[] = [];
  const run = (runSeconds: number, title: string, timing?: { fromMs: number; toMs: number }) =>
    driver.run({
      url: server.url,
      token: args.token,
      workload,
      seconds: runSeconds,
      connections: args.connections,
      title,
      settleInFlight: true,
      path,
      record: { acked, latenciesMs, fromMs: timing?.fromMs ?? 0, toMs: timing?.toMs ?? 0 },
    });
  const latenciesMs: number[] = [];
  let warmupRun: HttpLoadResult | null = null;
  if (warmup > 0) {
    progress(`rollover: ${warmup} s warm-up on ${path}`);
    warmupRun = await run(warmup, 'rollover warm-up');
  }
  await sleep(Math.max(0, instantMs - seconds * 1000 - Date.now()));
  const startedAt = Date.now();
  progress(
    `rollover: ${2 * seconds} s at ${args.connections} connections, season 1 begins after ${seconds} s`,
  );
  const measured = await cpu.measure(
    'rollover',
    { servers: [() => server.cpuSeconds()], loadGenerator: true },
    () => run(2 * seconds, 'rollover', { fromMs: instantMs - 500, toMs: instantMs + 500 }),
  );
  const ledger = await args.db.actionIds(ROLLOVER_BOARD);
  const distinct = new Set(acked);
  const around = new LatencyHistogram();
  for (const ms of latenciesMs) around.record(ms);
  return {
    board: ROLLOVER_BOARD,
    windows,
    instantMs,
    instantAfterSeconds: round((instantMs - startedAt) / 1000),
    warmup: warmupRun,
    measured,
    aroundInstant: around.summary(),
    acknowledged: distinct.size,
    missing: [...distinct].filter((id) => !ledger.has(id)).length,
    ledgerRows: ledger.size,
    seasons: await args.db.seasons(ROLLOVER_BOARD),
  };
}

/** admin.createBoard over tRPC's HTTP door; throws with the server's answer when refused. */
async function createBoard(url: string, token: string, board: unknown): Promise<void> {
  const res = await fetch(`${url}/trpc/admin.createBoard`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(board),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin.createBoard answered ${res.status}: ${text}`);
}
