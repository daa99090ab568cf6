import { encodeCursor } from '../server/domain/page-cursor.js';
import { keysAt, type SeedBoard, type SeedDatabase, type SeedWindow } from './boards-seed.js';
import type { ChildServer } from './child.js';
import type { CpuMeter } from './cpu.js';
import type { Driver } from './load.js';
import { round } from './stats.js';
import type { WrkGetResult } from './wrk-load.js';

/** The board whose previous day is read. */
export const PAST_BOARD = 'past';
/** Entries per page read (the most a page may hold). */
export const PAST_PAGE_LIMIT = 100;
/** Distinct pages the load picks from. */
const PAGES = 200;
const DAY_MS = 86_400_000;

/** Pages of an ended window, read from the database. */
export interface PastWindowResult {
  board: string;
  windowKey: string;
  rows: number;
  limit: number;
  /** Distinct pages asked for at random: the first, and after cursors spread over the window. */
  pages: number;
  /** The deepest cursor's rank. */
  deepestRank: number;
  warmup: WrkGetResult | null;
  measured: WrkGetResult;
  /**
   * The same pages of the board's current `all` window, which holds the same records in the
   * same order, served from memory: the same run's baseline for the HTTP and JSON work.
   */
  current: WrkGetResult;
  /** The past pages' p99 over the current window's. */
  p99Ratio: number;
}

/** The board (windows `all` and `day`) whose day before today holds `rows` users, each in `all` too. */
export function pastBoard(zone: string, rows: number, nowMs: number): SeedBoard {
  const windows: SeedWindow[] = [{ kind: 'day', zone }];
  return { id: PAST_BOARD, windows, first: 0, users: rows, windowKeys: keysAt(windows, nowMs - DAY_MS) };
}

/**
 * `GET /boards/past/leaderboard?window=day&at=previous&limit=100&cursor=...` with wrk: the first
 * page or the page after one of the cursors at evenly spread depths of the window (the cursors
 * the server gives out: each carries its rank), each answer checked to start at the rank after
 * its cursor's.
 */
export async function runPastWindowPages(args: {
  server: ChildServer;
  db: SeedDatabase;
  board: SeedBoard;
  get: NonNullable<Driver['get']>;
  cpu: CpuMeter;
  connections: number;
  warmup: number;
  seconds: number;
}): Promise<PastWindowResult> {
  const { board, server } = args;
  const windowKey = board.windowKeys[0]!;
  const past = `/boards/${PAST_BOARD}/leaderboard?window=day&at=previous&limit=${PAST_PAGE_LIMIT}`;
  const current = `/boards/${PAST_BOARD}/leaderboard?window=all&limit=${PAST_PAGE_LIMIT}`;
  const positions = Array.from({ length: PAGES - 1 }, (_, i) =>
    Math.floor(((i + 1) * board.users) / PAGES),
  ).filter((p) => p < board.users - 1);
  const records = await args.db.recordsAt(PAST_BOARD, windowKey, positions);
  const pathsOf = (base: string) => [
    { path: base, expect: '"rank":1,' },
    ...records.map((record, i) => ({
      // The server's cursor of an ended window: the record and the entries up to it.
      path: `${base}&cursor=${encodeCursor(record, positions[i]! + 1)}`,
      expect: `"rank":${positions[i]! + 2},`,
    })),
  ];
  const paths = pathsOf(past);
  const run = (seconds: number, title: string, of = paths) =>
    args.get({ url: server.url, target: { paths: of }, seconds, connections: args.connections, title });
  const title = `GET a page of a past window (${board.users} rows)`;
  const warmup = args.warmup > 0 ? await run(args.warmup, `${title} warm-up`) : null;
  process.stderr.write(`bench: ${title}: ${args.seconds} s at ${args.connections} connections (wrk)\n`);
  const measured = await args.cpu.measure(
    'past window pages',
    { servers: [() => server.cpuSeconds()], loadGenerator: true },
    () => run(args.seconds, title),
  );
  const baseline = `GET the same pages of the current window (all, in memory)`;
  process.stderr.write(`bench: ${baseline}: ${args.seconds} s at ${args.connections} connections (wrk)\n`);
  const currentRun = await args.cpu.measure(
    'current window pages',
    { servers: [() => server.cpuSeconds()], loadGenerator: true },
    () => run(args.seconds, baseline, pathsOf(current)),
  );
  return {
    board: PAST_BOARD,
    windowKey,
    rows: board.users,
    limit: PAST_PAGE_LIMIT,
    pages: paths.length,
    deepestRank: (positions.at(-1) ?? -1) + 1,
    warmup,
    measured,
    current: currentRun,
    p99Ratio: currentRun.latencyMs.p99 > 0 ? round(measured.latencyMs.p99 / currentRun.latencyMs.p99, 3) : 0,
  };
}
