import type { ProfileSummary } from './cpu-profile.js';
import type { BoardsResults } from './boards-phase.js';
import type { DepthResults } from './depth-phase.js';
import type { CpuMeter } from './cpu.js';
import type { HttpLoadResult } from './http-load.js';
import type { Driver } from './load.js';
import type { BenchOptions } from './options.js';
import type { PgbenchResult } from './pgbench.js';
import type { PgSettings } from './pg-schema.js';
import type { ServerPhases } from './server-phases.js';
import type { TypedResults } from './typed-phase.js';
import type { Workload } from './workload.js';

/** How a server process ended. */
export interface ServerExit {
  name: string;
  code: number | null;
  signal: string | null;
}

/** What the PostgreSQL mode measured beyond the shared shape. */
export interface PostgresResults {
  /** The database URL given (password redacted). */
  database: string;
  /** The run's own schema, dropped at the end. */
  schema: string;
  /** Whether `schema` and every one of `boardsSchemas` are gone at the end. */
  schemaDropped: boolean;
  settings: PgSettings | null;
  redis: { url: string; prefix: string; version: string | null; keysLeft: number | null };
  /** (b): two instances behind nginx (deploy/nginx/scoreboard.conf.template), through nginx. */
  nginx: { instances: number; warmup: HttpLoadResult | null; measured: HttpLoadResult | null };
  /** (c): pgbench running one update's statements per transaction. */
  pgbench: {
    script: string;
    warmup: PgbenchResult | null;
    measured: PgbenchResult | null;
    /** Ledger rows pgbench wrote (must equal its transactions, warm-up included). */
    ledgerRows: number | null;
  };
  /** One instance's requests/s over pgbench's tps (the headline of this mode). */
  ratioToPgbench: number | null;
  nginxRatioToPgbench: number | null;
  /** Where the SDK, fan-out and soak phases ran. */
  otherPhasesOn: string;
  /** The schemas of the many-boards phases' servers, one each, dropped at the end with `schema`. */
  boardsSchemas: string[];
}

/** What each mode (SQLite, or PostgreSQL + Redis) is run with. */
export interface ModeArgs {
  options: BenchOptions;
  driver: Driver;
  cpu: CpuMeter;
  secret: string;
  token: string;
  workload: Workload;
}

/** What one mode (SQLite, or PostgreSQL + Redis) hands to the report. */
export interface ModeOutcome extends ServerPhases {
  updateWarmup: HttpLoadResult | null;
  updateScore: HttpLoadResult | null;
  rateLimitPerMin: number;
  exits: ServerExit[];
  /** Ledger rows of the benchmark's updates before and after (pgbench's excluded). */
  ledger: { before: number; after: number };
  failure: string | null;
  profile: ProfileSummary | null;
  postgres: PostgresResults | null;
  /** SQLite mode with wrk: tRPC over HTTP against the plain routes. */
  typed: TypedResults | null;
  /** SQLite mode with --depth (or --users ≥ 100,000): a seeded board. */
  depth: DepthResults | null;
  /** Many boards in one instance, and a past window (--boards, --past-rows). */
  boards: BoardsResults | null;
}

export const describeFailure = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

export function emptyOutcome(): ModeOutcome {
  return {
    updateWarmup: null,
    updateScore: null,
    sdk: null,
    sdkWebSocket: null,
    fanout: null,
    soak: null,
    rateLimitPerMin: 0,
    exits: [],
    ledger: { before: 0, after: 0 },
    failure: null,
    profile: null,
    postgres: null,
    typed: null,
    depth: null,
    boards: null,
  };
}
