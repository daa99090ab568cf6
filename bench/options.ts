import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Every knob of the benchmark; each has a CLI flag and a BENCH_* environment variable. */
export interface BenchOptions {
  /** Seconds of measured load per target (bare node:http, then Scoreboard). */
  duration: number;
  /** Seconds of unmeasured load before each measured run (JIT, caches, SQLite pages). */
  warmup: number;
  connections: number;
  /** The load generator: wrk when it is on PATH (`auto`), or the one named. */
  driver: 'auto' | 'wrk' | 'autocannon';
  /** wrk threads (`-t`). */
  threads: number;
  /** Distinct user_ids the load spreads over. */
  users: number;
  /** Seconds of `scores.update` calls through the client SDK (0 skips the phase). */
  sdkSeconds: number;
  sdkConcurrency: number;
  /** WebSocket subscribers to `leaderboard.live` (0 skips the fan-out phase). */
  subscribers: number;
  /** Subscribers opened at once. */
  subscriberBatch: number;
  /** Paced updates per second during the fan-out phase. */
  fanoutRate: number;
  fanoutSeconds: number;
  /** Seconds of full load while the server's RSS is sampled (0: no soak). */
  soak: number;
  /** Seconds at the start of the soak whose RSS samples are not judged. */
  soakWarmup: number;
  /** Where results.json is written. */
  out: string;
  /** The folder the temporary database is created in (e.g. /dev/shm to take the disk out). */
  dbDir: string;
  /** Runs the server with --cpu-prof and summarises the profile. */
  cpuProf: boolean;
  /** The server's DB_SYNCHRONOUS: `full` (its default) or `normal`. */
  dbSync: 'full' | 'normal';
  /**
   * A postgres:// URL: run the update phases on PostgreSQL + Redis (one instance, two behind
   * nginx) and pgbench, in a fresh schema of this database; unset: SQLite.
   */
  database: string | undefined;
  /** Redis for PostgreSQL mode (limiters and live bus). */
  redis: string;
  /** pgbench threads (`-j`). */
  pgbenchJobs: number;
  /**
   * SQLite: seed the board with `users` users first and measure seeding, start-up, RSS, rank
   * lookups and updates to random seeded users (on with --depth, or when --users ≥ 100,000).
   */
  depth: boolean;
  /**
   * Boards of `boardUsers` users with windows all, week and day in one instance (0 skips the
   * many-boards phases): start, RSS, updates with three windows against one, a rollover.
   */
  boards: number;
  boardUsers: number;
  /** Rows of the past window whose pages are read (0 skips that phase). */
  pastRows: number;
  /**
   * `all` (the default): every phase; `boards`: only the many-boards phases (no baseline, no
   * update, typed, SDK, fan-out, soak, depth, nginx or pgbench runs), on SQLite or --database.
   */
  only: 'all' | 'boards';
}

const DEFAULT_OUT = fileURLToPath(new URL('./results.json', import.meta.url));
const DEFAULT_OUT_POSTGRES = fileURLToPath(new URL('./results-postgres.json', import.meta.url));
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
/** --users from which the depth phase runs without --depth. */
const DEPTH_FROM_USERS = 100_000;

const NUMERIC = {
  duration: 10,
  warmup: 2,
  connections: 32,
  threads: 1,
  users: 1000,
  'sdk-seconds': 5,
  'sdk-concurrency': 32,
  subscribers: 1000,
  'subscriber-batch': 100,
  'fanout-rate': 1000,
  'fanout-seconds': 10,
  soak: 0,
  'soak-warmup': 10,
  'pgbench-jobs': 2,
  boards: 100,
  'board-users': 10_000,
  'past-rows': 1_000_000,
} as const;
type NumericFlag = keyof typeof NUMERIC;

const USAGE = `Usage: npm run bench -- [flags]   (each flag also reads BENCH_<FLAG>, e.g. BENCH_DURATION=10)
${Object.entries(NUMERIC)
  .map(([flag, value]) => `  --${flag.padEnd(18)} default ${value}`)
  .join('\n')}
  --driver auto|wrk|autocannon  load generator (default auto: wrk when on PATH, else autocannon)
  --out <path>           default bench/results.json (bench/results-postgres.json with --database)
  --db-dir <dir>         where the temporary SQLite database is created; default the OS temp folder
  --db-sync full|normal  the server's DB_SYNCHRONOUS (default full, the server's default)
  --database <url>       postgres://...: PostgreSQL + Redis mode (one instance, two behind nginx, pgbench)
  --redis <url>          Redis for --database (default ${DEFAULT_REDIS})
  --depth                seed --users users first; measure seed, start-up, RSS, rank GETs, random-user
                         updates (on by itself from --users 100000; e.g. --users 1000000)
  --boards N, --board-users N, --past-rows N
                         the many-boards phases: N boards of N users with windows all, week and day
                         (start, RSS, updates with three windows vs one, a rollover), then a past
                         window of N rows read page by page; --boards 0 / --past-rows 0 skip them
  --only all|boards      boards: run only the many-boards phases above (no baseline, update, typed,
                         SDK, fan-out, soak, depth, nginx or pgbench runs); default all
  --cpu-prof             profile the server (node --cpu-prof) and print its top self-time functions
  --help`;

const envName = (flag: string) => `BENCH_${flag.toUpperCase().replace(/-/g, '_')}`;

function numberOf(flag: NumericFlag, raw: string | undefined): number {
  if (raw === undefined) return NUMERIC[flag];
  const value = Number(raw);
  const integerOnly = flag !== 'duration' && flag !== 'warmup' && !flag.includes('seconds');
  if (!Number.isFinite(value) || value < 0 || (integerOnly && !Number.isInteger(value))) {
    throw new Error(`--${flag} expects a non-negative ${integerOnly ? 'integer' : 'number'}, got ${raw}`);
  }
  return value;
}

/** Parses argv (without node and the script) and the BENCH_* environment. */
export function parseOptions(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(Object.keys(NUMERIC).map((flag) => [flag, { type: 'string' as const }])),
      out: { type: 'string' },
      'db-dir': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      depth: { type: 'boolean' },
      'db-sync': { type: 'string' },
      only: { type: 'string' },
      driver: { type: 'string' },
      database: { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const given = values as Record<string, string | boolean | undefined>;
  const read = (flag: NumericFlag) =>
    numberOf(flag, (given[flag] as string | undefined) ?? env[envName(flag)]);
  const text = (flag: string) =>
    ((given[flag] as string | undefined) ?? env[envName(flag)])?.trim() || undefined;
  const database = text('database');
  const options: BenchOptions = {
    duration: read('duration'),
    warmup: read('warmup'),
    connections: read('connections'),
    driver: (text('driver') ?? 'auto') as BenchOptions['driver'],
    threads: read('threads'),
    users: read('users'),
    sdkSeconds: read('sdk-seconds'),
    sdkConcurrency: read('sdk-concurrency'),
    subscribers: read('subscribers'),
    subscriberBatch: read('subscriber-batch'),
    fanoutRate: read('fanout-rate'),
    fanoutSeconds: read('fanout-seconds'),
    soak: read('soak'),
    soakWarmup: read('soak-warmup'),
    out: text('out') ?? (database ? DEFAULT_OUT_POSTGRES : DEFAULT_OUT),
    dbDir: (given['db-dir'] as string | undefined) ?? env.BENCH_DB_DIR ?? tmpdir(),
    cpuProf: Boolean(values['cpu-prof']) || env.BENCH_CPU_PROF === '1',
    dbSync: ((given['db-sync'] as string | undefined) ?? env.BENCH_DB_SYNC ?? 'full') as 'full' | 'normal',
    database,
    redis: text('redis') ?? DEFAULT_REDIS,
    pgbenchJobs: read('pgbench-jobs'),
    depth: false,
    boards: read('boards'),
    boardUsers: read('board-users'),
    pastRows: read('past-rows'),
    only: (text('only') ?? 'all') as BenchOptions['only'],
  };
  options.depth =
    options.only === 'all' &&
    (Boolean(values.depth) || env.BENCH_DEPTH === '1' || options.users >= DEPTH_FROM_USERS);
  if (!['auto', 'wrk', 'autocannon'].includes(options.driver))
    throw new Error('--driver must be auto, wrk or autocannon');
  if (database !== undefined && !/^postgres(ql)?:\/\//.test(database))
    throw new Error('--database expects a postgres:// URL');
  if (options.threads < 1 || options.threads > options.connections)
    throw new Error('--threads must be from 1 to --connections');
  if (options.pgbenchJobs < 1) throw new Error('--pgbench-jobs must be at least 1');
  if (options.only !== 'all' && options.only !== 'boards') throw new Error('--only must be all or boards');
  if (options.only === 'boards' && options.boards === 0 && options.pastRows === 0)
    throw new Error('--only boards needs --boards or --past-rows above 0');
  if (options.dbSync !== 'full' && options.dbSync !== 'normal')
    throw new Error('--db-sync must be full or normal');
  if (options.duration <= 0) throw new Error('--duration must be above 0');
  if (options.connections < 1) throw new Error('--connections must be at least 1');
  if (options.users <= Math.max(options.connections, options.sdkConcurrency)) {
    throw new Error(
      '--users must exceed --connections and --sdk-concurrency (one update per user in flight)',
    );
  }
  if (options.boards > 0 && options.boardUsers <= options.connections)
    throw new Error('--board-users must exceed --connections (one update per user in flight)');
  if (options.subscriberBatch < 1) throw new Error('--subscriber-batch must be at least 1');
  return options;
}

export { USAGE };
