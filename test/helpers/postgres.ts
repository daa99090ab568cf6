import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared PostgreSQL of this machine and CI (trust auth, database `test`). */
export const PG_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether the integration suites run on PostgreSQL (the `postgres` vitest project). */
export const ON_POSTGRES = process.env.TEST_STORAGE === 'postgres';

/** A schema of its own in the shared database, and a DATABASE_URL that works in it. */
export interface TestSchema {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a fresh schema; every connection made with `url` uses it (search_path). */
export async function freshSchema(): Promise<TestSchema> {
  const name = `sb_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  return {
    url,
    name,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
