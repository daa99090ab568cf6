import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { holdUntilReleased } from '../../scripts/local/cleanup-registry.js';
import { serviceToken } from '../helpers/tokens.js';

/** Several server processes that share one PostgreSQL schema and one Redis prefix. */
export interface Cluster {
  readonly instances: ChildServer[];
  /** Reads the shared database. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Starts one more instance of the cluster. */
  add(overrides?: Record<string, string>): Promise<ChildServer>;
  stop(): Promise<void>;
}

/**
 * Starts `count` instances on `databaseUrl` (a fresh schema of it is made when `schema` is
 * true) and `redisUrl`, with rate limits out of the way unless `env` sets them.
 */
export async function startCluster(
  count: number,
  options: { databaseUrl: string; redisUrl: string; env?: Record<string, string> },
): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-cluster-'));
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: `sbt:cluster:${randomBytes(6).toString('hex')}:`,
    RATE_LIMIT_IP_PER_MIN: '1000000',
    RATE_LIMIT_USER_PER_MIN: '1000000',
    RATE_LIMIT_READS_PER_MIN: '1000000',
    SCORE_MAX_GAIN: '1000000',
    ...options.env,
  };
  const instances: ChildServer[] = [];
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 }); // connects when used
  pool.on('error', () => {});
  // Held from the start: a cluster that fails to start is stopped and removed after the file.
  const stop = holdUntilReleased(async () => {
    await Promise.all(instances.map((i) => i.kill9()));
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const add = async (overrides: Record<string, string> = {}) => {
    const instance = await startChildServer(dir, { ...env, ...overrides });
    instances.push(instance);
    return instance;
  };
  await Promise.all(Array.from({ length: count }, () => add()));
  return {
    instances,
    add,
    query: async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await pool.query<T>(sql, params)).rows,
    stop,
  };
}

/** Posts an update with a service token; resolves with the status (0 when the request failed). */
export async function post(
  instance: ChildServer,
  user: string,
  action: string,
  score: number,
  token = serviceToken(),
): Promise<number> {
  try {
    const res = await fetch(`${instance.url}/update-score`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ user_id: user, action_id: action, new_score: score }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** The board an instance answers. */
export async function board(
  instance: ChildServer,
  limit = 10,
): Promise<Array<{ rank: number; user_id: string; score: number }>> {
  const res = await fetch(`${instance.url}/leaderboard?limit=${limit}`);
  return ((await res.json()) as { entries: Array<{ rank: number; user_id: string; score: number }> }).entries;
}

/** Polls `check` every 20 ms until it holds; throws after `ms`. For state on other processes. */
export async function eventually(
  check: () => Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
