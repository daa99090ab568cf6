import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../server/app.js';
import { loadConfig } from '../../server/config/config.js';
import { createLogger } from '../../server/observability/logger.js';
import { serviceToken, TEST_SECRET } from './tokens.js';

/** A real server on a random port with a temporary database. */
export interface TestServer {
  readonly app: App;
  readonly url: string;
  readonly dir: string;
  readonly dbFile: string;
  /** Reads the stored state directly from the database file. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
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

/** Starts a server in this process; `dir` reuses an existing data folder (restart tests). */
export async function startTestServer(
  overrides: Record<string, string> = {},
  dir?: string,
): Promise<TestServer> {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'scoreboard-test-'));
  const env = testEnv(dataDir, overrides);
  const config = loadConfig(env);
  const app = await createApp(config, createLogger('silent'));
  const port = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const reader = new BetterSqlite3(config.databaseUrl, { readonly: true, fileMustExist: true });
  const server: TestServer = {
    app,
    url,
    dir: dataDir,
    dbFile: config.databaseUrl,
    query: <T>(sql: string, ...params: unknown[]) => reader.prepare(sql).all(...params) as T[],
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
      reader.close();
      await app.close();
      if (!dir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
