import { BoardFileError, readBoardFile, type BoardFile } from '../boards/board-file.js';
import type { DecreasePolicy } from '../domain/score-rules.js';
import { isPostgresUrl, sqliteFileOf } from './database-url.js';
import { isIP } from 'node:net';
import { z } from 'zod';
import { SCORE_CEILING } from '../../shared/schemas.js';
import { withoutEmptyValues } from './empty-values.js';
import { RANK_MARK_SPACING } from '../storage/queries/rank-marks.js';

const integer = (min: number, max: number) => {
  const error = `expects an integer from ${min} to ${max}`;
  return z
    .string({ error })
    .trim()
    .regex(/^\d+$/, { error })
    .transform(Number)
    .pipe(z.int({ error }).min(min, { error }).max(max, { error }))
    .optional();
};

const commaList = (list: string) =>
  list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const originList = z
  .string()
  .optional()
  .transform((list) => (list === undefined ? undefined : commaList(list)))
  .pipe(
    z
      .array(
        z.string().refine((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o), {
          error: 'expects a comma-separated list of origins like https://example.com, or *',
        }),
      )
      .optional(),
  );

/** An IPv4/IPv6 address, optionally with a prefix length (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const optionalText = z.string().trim().optional();

const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'expects development, production or test' })
    .default('development'),
  PORT: integer(0, 65535).default(3000),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, { error: 'expects a host name or IP address' })
    .default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || isPostgresUrl(url), {
      error: 'expects a SQLite file path or a postgres:// URL',
    })
    .default('./data/scoreboard.db'),
  JWT_SECRET: optionalText.pipe(z.string().min(32, { error: 'expects at least 32 characters' }).optional()),
  JWT_PUBLIC_KEY: optionalText,
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  SCORE_MAX: integer(1, SCORE_CEILING).default(1_000_000_000),
  SCORE_MAX_GAIN: integer(1, SCORE_CEILING),
  SCORE_ALLOW_DECREASE: z
    .enum(['true', 'false', 'service'], { error: 'expects true, false or service' })
    .default('false'),
  RATE_LIMIT_USER_PER_MIN: integer(1, 1_000_000_000).default(60),
  RATE_LIMIT_IP_PER_MIN: integer(1, 1_000_000_000).default(600),
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: integer(1, 1_000_000).default(10),
  FLAG_THRESHOLD: integer(1, 1_000_000).default(20),
  FLAG_WINDOW_SECONDS: integer(1, 86_400).default(600),
  LEADERBOARD_SIZE: integer(1, 100).default(10),
  RANK_MARK_SPACING: integer(1, 1_000_000).default(RANK_MARK_SPACING),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expects one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/, error: 'expects a redis:// URL' }).optional()),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, { error: 'expects 1 to 64 letters, digits or : _ . -' })
    .default('scoreboard:'),
  REDIS_BREAKER_FAILURES: integer(1, 1000).default(3),
  REDIS_BREAKER_COOLDOWN_MS: integer(100, 600_000).default(5000),
  METRICS_TOKEN: optionalText,
  DB_SYNCHRONOUS: z.enum(['full', 'normal'], { error: 'expects full or normal' }).default('full'),
  ALLOWED_ORIGINS: originList,
  WS_ALLOWED_ORIGINS: originList,
  TRUST_PROXY: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(
      z.array(
        z.string().refine(isAddressOrCidr, {
          error: 'expects comma-separated IP addresses or CIDRs, e.g. 10.0.0.0/8,::1',
        }),
      ),
    ),
  TRPC_MAX_BATCH: integer(1, 100).default(10),
  RATE_LIMIT_READS_PER_MIN: integer(1, 1_000_000_000).default(1200),
  SECURITY_EVENTS_RETENTION_DAYS: integer(1, 3650).default(30),
  WS_MAX_CONNECTIONS: integer(1, 1_000_000).default(20_000),
  WS_MAX_CONNECTIONS_PER_IP: integer(1, 1_000_000).default(2000),
  WS_MAX_SUBSCRIPTIONS: integer(1, 1000).default(16),
  WS_MAX_MESSAGES_PER_SECOND: integer(1, 1_000_000).default(100),
  WS_MAX_BUFFERED_BYTES: integer(1024, 1024 ** 3).default(1024 * 1024),
  SHUTDOWN_GRACE_MS: integer(0, 60_000).default(1000),
  BOARDS_FILE: optionalText,
});

/** Every variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

/** The validated, frozen configuration handed down to every part of the server. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** SQLite's synchronous setting: `full` syncs every commit, `normal` only at checkpoints. */
  readonly dbSynchronous: 'full' | 'normal';
  /** The folder that holds the SQLite file and the development secret. */
  readonly dataDir: string;
  readonly jwt: {
    readonly secret: string | undefined;
    readonly publicKey: string | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
  };
  readonly score: {
    readonly max: number;
    readonly maxGain: number;
    readonly decrease: DecreasePolicy;
  };
  readonly rateLimit: {
    readonly userPerMin: number;
    readonly ipPerMin: number;
    readonly authFailuresPerMin: number;
    readonly readsPerMin: number;
  };
  readonly flags: { readonly threshold: number; readonly windowSeconds: number };
  readonly leaderboardSize: number;
  /** Records between two rank marks of a window that ended: a rank there counts at most this many rows. */
  readonly rankMarkSpacing: number;
  readonly logLevel: string;
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key and channel (several deployments may share one Redis). */
  readonly redisPrefix: string;
  /** Redis's circuit breaker: failed commands in a row that open it, and ms before it probes. */
  readonly redisBreaker: { readonly failures: number; readonly coolDownMs: number };
  readonly metricsToken: string | undefined;
  /** Origins (besides the server's own) that browsers may call from: CORS and WebSocket upgrades. */
  readonly allowedOrigins: readonly string[];
  /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs); empty: none. */
  readonly trustProxy: readonly string[];
  /** Most calls in one tRPC batch (an HTTP request or a WebSocket message). */
  readonly trpcMaxBatch: number;
  /** Days a security event is kept after its last occurrence. */
  readonly securityEventsRetentionDays: number;
  readonly ws: {
    readonly maxBufferedBytes: number;
    readonly maxConnections: number;
    readonly maxConnectionsPerIp: number;
    readonly maxSubscriptions: number;
    readonly maxMessagesPerSecond: number;
  };
  readonly shutdownGraceMs: number;
  /** The board file (BOARDS_FILE), read and checked here; undefined when none is set. */
  readonly boards: BoardFile | undefined;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DECREASE: Record<'true' | 'false' | 'service', DecreasePolicy> = {
  true: 'always',
  false: 'never',
  service: 'service',
};

/** The board file, read now: a mistake in it stops the start with its one line. */
function boardsOf(path: string | undefined): BoardFile | undefined {
  if (path === undefined) return undefined;
  try {
    return readBoardFile(path);
  } catch (error) {
    throw error instanceof BoardFileError ? new ConfigError(error.message) : error;
  }
}

function dataDirOf(databaseUrl: string): string {
  if (sqliteFileOf(databaseUrl) === undefined) return './data';
  const slash = databaseUrl.lastIndexOf('/');
  return slash <= 0 ? (slash === 0 ? '/' : '.') : databaseUrl.slice(0, slash);
}

/**
 * Reads and validates the environment. This is the only place that reads `process.env`.
 * Throws a ConfigError whose message is one line naming the first bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const e = parsed.data;
  if (e.JWT_SECRET && e.JWT_PUBLIC_KEY) {
    throw new ConfigError('Invalid configuration: JWT_SECRET and JWT_PUBLIC_KEY are exclusive; set one');
  }
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET && !e.JWT_PUBLIC_KEY) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET expects a secret of at least 32 characters (or set JWT_PUBLIC_KEY) when NODE_ENV=production',
    );
  }
  const maxGain = e.SCORE_MAX_GAIN ?? Math.min(1000, e.SCORE_MAX);
  if (maxGain > e.SCORE_MAX) {
    throw new ConfigError('Invalid configuration: SCORE_MAX_GAIN expects a value no larger than SCORE_MAX');
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dbSynchronous: e.DB_SYNCHRONOUS,
    dataDir: dataDirOf(e.DATABASE_URL),
    jwt: Object.freeze({
      secret: e.JWT_SECRET,
      publicKey: e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
    }),
    score: Object.freeze({
      max: e.SCORE_MAX,
      maxGain,
      decrease: DECREASE[e.SCORE_ALLOW_DECREASE],
    }),
    rateLimit: Object.freeze({
      userPerMin: e.RATE_LIMIT_USER_PER_MIN,
      ipPerMin: e.RATE_LIMIT_IP_PER_MIN,
      authFailuresPerMin: e.RATE_LIMIT_AUTH_FAILURES_PER_MIN,
      readsPerMin: e.RATE_LIMIT_READS_PER_MIN,
    }),
    flags: Object.freeze({ threshold: e.FLAG_THRESHOLD, windowSeconds: e.FLAG_WINDOW_SECONDS }),
    leaderboardSize: e.LEADERBOARD_SIZE,
    rankMarkSpacing: e.RANK_MARK_SPACING,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    redisBreaker: Object.freeze({
      failures: e.REDIS_BREAKER_FAILURES,
      coolDownMs: e.REDIS_BREAKER_COOLDOWN_MS,
    }),
    metricsToken: e.METRICS_TOKEN,
    // WS_ALLOWED_ORIGINS is the earlier name of ALLOWED_ORIGINS, still read.
    allowedOrigins: Object.freeze(e.ALLOWED_ORIGINS ?? e.WS_ALLOWED_ORIGINS ?? []),
    trustProxy: Object.freeze(e.TRUST_PROXY),
    trpcMaxBatch: e.TRPC_MAX_BATCH,
    securityEventsRetentionDays: e.SECURITY_EVENTS_RETENTION_DAYS,
    ws: Object.freeze({
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      maxConnections: e.WS_MAX_CONNECTIONS,
      maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
      maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
      maxMessagesPerSecond: e.WS_MAX_MESSAGES_PER_SECOND,
    }),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    boards: boardsOf(e.BOARDS_FILE),
  });
}
