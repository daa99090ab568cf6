import { randomBytes } from 'node:crypto';
import { holdUntilReleased } from '../../scripts/local/cleanup-registry.js';
import { runStatement, schemaUrl } from '../../scripts/local/postgres-schema.js';
import { PG_URL, RUN_SCHEMA_PREFIX } from './shared-services.js';

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
  await runStatement(PG_URL, sql);
}

/** Creates a fresh schema; every connection made with `url` uses it (search_path). */
export async function freshSchema(): Promise<TestSchema> {
  const name = `${RUN_SCHEMA_PREFIX}${randomBytes(6).toString('hex')}`;
  await execute(`CREATE SCHEMA ${name}`);
  return {
    url: schemaUrl(PG_URL, name),
    name,
    drop: holdUntilReleased(() => execute(`DROP SCHEMA IF EXISTS ${name} CASCADE`)),
  };
}
