import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropKeys } from '../../bench/redis.js';
import { PG_URL, REDIS_URL, redisPrefixOf, schemaPrefixOf } from './shared-services.js';
import { stopPostgres } from '../../scripts/local/spare-postgres.js';

/**
 * vitest's global setup: gives the run a mark (TEST_RUN_ID) and a temporary folder of its own
 * (TMPDIR), which the test processes inherit. At the end of the run, whatever of this run is
 * still in the shared PostgreSQL and Redis or in its temporary folder is a leak: it is removed,
 * and the run fails with a list of it. Other runs on the same services are never looked at.
 */
export function setup(): (() => Promise<void>) | undefined {
  // Every project inherits this file from the root config: the first call does it for the run.
  if (process.env.TEST_RUN_TMPDIR !== undefined) return undefined;
  const runId = (process.env.TEST_RUN_ID ??= randomBytes(3).toString('hex'));
  const outerTmp = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), `scoreboard-run-${runId}-`));
  chmodSync(root, 0o711); // a spare PostgreSQL runs as `postgres` in a folder inside
  process.env.TMPDIR = process.env.TEST_RUN_TMPDIR = root;
  // Node 22+ tools (tsc, eslint, prettier) keep a compile cache in $TMPDIR/node-compile-cache:
  // in a test's child it would land in the run's folder and count as a leftover.
  const outerCompileCache = process.env.NODE_DISABLE_COMPILE_CACHE;
  process.env.NODE_DISABLE_COMPILE_CACHE = '1';
  return async () => {
    delete process.env.TEST_RUN_TMPDIR;
    if (outerCompileCache === undefined) delete process.env.NODE_DISABLE_COMPILE_CACHE;
    else process.env.NODE_DISABLE_COMPILE_CACHE = outerCompileCache;
    if (outerTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outerTmp;
    const schemas = await dropSchemas(schemaPrefixOf(runId));
    const keys = await deleteKeys(redisPrefixOf(runId));
    const leaks = [
      ...schemas.map((name) => `PostgreSQL schema ${name}`),
      ...(keys > 0 ? [`${keys} Redis keys ${redisPrefixOf(runId)}*`] : []),
      ...removeFolder(root).map((name) => `temporary file or folder ${name}`),
    ];
    if (leaks.length === 0) return;
    // vitest only logs an error thrown here: the exit code says it too.
    process.exitCode = 1;
    throw new Error(`the tests left ${leaks.length} things behind (now removed):\n  ${leaks.join('\n  ')}`);
  };
}

/** Drops the schemas that start with `prefix`; resolves with their names. */
async function dropSchemas(prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch {
    return []; // no PostgreSQL (an embedded-only run): nothing of this run can be in it
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1',
      [prefix],
    );
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

/** Deletes the Redis keys that start with `prefix`; resolves with how many there were. */
async function deleteKeys(prefix: string): Promise<number> {
  try {
    return await dropKeys(REDIS_URL, prefix);
  } catch {
    return 0; // no Redis (an embedded-only run): nothing of this run can be in it
  }
}

/** Removes the run's temporary folder (stopping a spare PostgreSQL left in it); lists what it held. */
function removeFolder(root: string): string[] {
  const left = readdirSync(root);
  for (const name of left) {
    const data = join(root, name, 'data');
    if (existsSync(join(data, 'postmaster.pid'))) stopPostgres(data);
  }
  rmSync(root, { recursive: true, force: true });
  return left;
}
