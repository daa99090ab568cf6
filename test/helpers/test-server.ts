import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../server/app.js';
import { loadConfig } from '../../server/config/config.js';
import { createLogger } from '../../server/observability/logger.js';
import { freshSchema, ON_POSTGRES, type TestSchema } from './postgres.js';
import { postgresState, sqliteState, type StoredState } from './stored-state.js';
import { serviceToken, TEST_SECRET } from './tokens.js';

/** The shared Redis of this machine and CI, for the PostgreSQL runs. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A real server on a random port with a temporary database. */
export interface TestServer {
  readonly app: App;
  readonly url: string;
  readonly dir: string;
  readonly dbFile: string;
  /** Reads the stored state directly from the database file. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** Bytes the stored data takes (the SQLite data folder, or the PostgreSQL schema). */
  storedBytes(): number;
  /** Writes the audit counts held in memory (they are otherwise written once a second). */
  flushAudit(): Promise<void>;
  /** POSTs JSON (or a raw string) to a path. */
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string; headers: Headers }>;
  /** Sets a score through `POST /update-score` with a service token. */
  setScore(
    user: string,
    action: string,
    score: number,
  ): Promise<{ status: number; body: string; headers: Headers }>;
  close(): Promise<void>;
}

/** The environment every test server starts from. */
export function testEnv(dir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, 'scoreboard.db'),
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/**
 * The database of a test server: a SQLite file in `dir`, or (the `postgres` project) a fresh
 * PostgreSQL schema with a Redis prefix of its own, remembered in `dir` so that a restart on
 * the same folder finds the same data.
 */
async function testDatabase(dir: string): Promise<{ env: Record<string, string>; schema?: TestSchema }> {
  if (!ON_POSTGRES) return { env: {} };
  const remembered = join(dir, 'postgres.json');
  if (existsSync(remembered))
    return { env: JSON.parse(readFileSync(remembered, 'utf8')) as Record<string, string> };
  const schema = await freshSchema();
  const env = {
    DATABASE_URL: schema.url,
    REDIS_URL,
    REDIS_PREFIX: `sbt:${schema.name}:${randomBytes(3).toString('hex')}:`,
  };
  writeFileSync(remembered, JSON.stringify(env));
  return { env, schema };
}

/** Starts a server in this process; `dir` reuses an existing data folder (restart tests). */
export async function startTestServer(
  overrides: Record<string, string> = {},
  dir?: string,
  appOptions: { trpcAdapterOnly?: boolean; subscriptionsThroughTrpc?: boolean } = {},
): Promise<TestServer> {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'scoreboard-test-'));
  const database = await testDatabase(dataDir);
  const env = testEnv(dataDir, { ...database.env, ...overrides });
  const config = loadConfig(env);
  const app = await createApp(config, createLogger('silent'), undefined, appOptions);
  const port = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const state: StoredState = ON_POSTGRES
    ? postgresState(
        config.databaseUrl,
        new URL(config.databaseUrl).searchParams.get('options')!.split('=')[1]!,
      )
    : sqliteState(config.databaseUrl, dataDir);
  const server: TestServer = {
    app,
    url,
    dir: dataDir,
    dbFile: config.databaseUrl,
    query: <T>(sql: string, ...params: unknown[]) => state.query<T>(sql, ...params),
    storedBytes: () => state.bytes(),
    flushAudit: () => app.services.audit.flush(),
    async post(path, body, headers = {}) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body:
          typeof body === 'string'
            ? body
            : body instanceof Uint8Array
              ? Buffer.from(body)
              : JSON.stringify(body),
      });
      return { status: res.status, body: await res.text(), headers: res.headers };
    },
    setScore(user, action, score) {
      const body = { user_id: user, action_id: action, new_score: score };
      return server.post('/update-score', body, { authorization: `Bearer ${serviceToken()}` });
    },
    async close() {
      state.close();
      await app.close();
      if (!dir) {
        await database.schema?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return server;
}
