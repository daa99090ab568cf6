import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { holdUntilReleased } from './cleanup-registry.js';
import { PG_URL, RUN_SCHEMA_PREFIX, withParameter } from './shared-services.js';

export { PG_URL } from './shared-services.js';

/** Whether the integration suites run on PostgreSQL (the `postgres` vitest project). */
export const ON_POSTGRES = process.env.TEST_STORAGE === 'postgres';

/** A schema of its own in the shared database, and a DATABASE_URL that works in it. */
export interface TestSchema {
  readonly url: string;
  readonly name: string;
  /** Drops it (once; later calls wait for the first). Dropped after the test file anyway. */
  drop(): Promise<void>;
}

/** Runs one statement on the shared database, on a connection of its own. */
async function execute(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  client.on('error', () => {}); // a connection lost meanwhile fails the query below instead
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a fresh schema; every connection made with `url` uses it (search_path). */
export async function freshSchema(): Promise<TestSchema> {
  const name = `${RUN_SCHEMA_PREFIX}${randomBytes(6).toString('hex')}`;
  await execute(`CREATE SCHEMA ${name}`);
  return {
    url: withParameter(PG_URL, 'options', `-c search_path=${name}`),
    name,
    drop: holdUntilReleased(() => execute(`DROP SCHEMA IF EXISTS ${name} CASCADE`)),
  };
}
