import { join } from 'node:path';
import { createApp, type App } from '../../server/app.js';
import { loadConfig } from '../../server/config/config.js';
import { createLogger } from '../../server/observability/logger.js';
import { dataFolder } from './data-folder.js';
import { postgresState, sqliteState } from './stored-state.js';
import { serviceToken, TEST_SECRET } from './tokens.js';
import { until } from './until.js';

/** Longest a test waits for a token to expire: tests mint them seconds ahead at most. */
const TOKEN_EXPIRY_WAIT_MS = 60_000;

export { REDIS_URL } from './shared-services.js';

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
  /** Resolves once this server's clock is past the token's expiry (it refuses the token now). */
  untilTokenExpired(token: string): Promise<void>;
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

/** Budgets out of the way, for tests about something else than rate limits. */
export const UNLIMITED: Readonly<Record<string, string>> = {
  RATE_LIMIT_READS_PER_MIN: '1000000',
  RATE_LIMIT_IP_PER_MIN: '1000000',
  RATE_LIMIT_USER_PER_MIN: '1000000',
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: '1000000',
};

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
 * Starts a server in this process. `dir` restarts on an existing data folder (and its database):
 * the folder of a server the helper started, or one the test made. Closing any server on a
 * folder the helper made releases that folder (every server on it, its schema, its Redis keys);
 * a folder the test made keeps its database until the end of the test file, for later restarts.
 */
export async function startTestServer(
  overrides: Record<string, string> = {},
  dir?: string,
  appOptions: { trpcAdapterOnly?: boolean; subscriptionsThroughTrpc?: boolean } = {},
): Promise<TestServer> {
  const folder = await dataFolder(dir);
  const config = loadConfig(testEnv(folder.path, { ...folder.env, ...overrides }));
  const app = await createApp(config, createLogger('silent'), undefined, appOptions);
  const state = folder.schema
    ? postgresState(config.databaseUrl, folder.schema)
    : sqliteState(config.databaseUrl, folder.path);
  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      state.close();
      await app.close();
    })());
  folder.servers.add(shutdown);
  const url = `http://127.0.0.1:${await app.listen()}`;
  const server: TestServer = {
    app,
    url,
    dir: folder.path,
    dbFile: config.databaseUrl,
    query: <T>(sql: string, ...params: unknown[]) => state.query<T>(sql, ...params),
    storedBytes: () => state.bytes(),
    flushAudit: () => app.services.audit.flush(),
    untilTokenExpired: (token) =>
      until(
        () => app.services.authenticator.fromHeader(`Bearer ${token}`) === undefined,
        'the token to expire',
        TOKEN_EXPIRY_WAIT_MS,
      ),
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
      await shutdown();
      if (folder.made) await folder.release();
    },
  };
  return server;
}
