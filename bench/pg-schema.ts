import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { schemaUrl } from '../scripts/local/postgres-schema.js';
import { commandName, parentPid } from './cpu.js';

/** The PostgreSQL settings a reader of the results needs (durability first). */
export interface PgSettings {
  serverVersion: string;
  synchronousCommit: string;
  fsync: string;
  walSyncMethod: string;
  maxConnections: number;
  sharedBuffers: string;
  /** The postmaster's pid when PostgreSQL runs on this machine (for its CPU), else null. */
  postmasterPid: number | null;
}

/** Ledger rows of the benchmark's service token and of pgbench's script. */
export interface LedgerCounts {
  service: number;
  pgbench: number;
}

/** The subject of pgbench's ledger rows (the server writes the token's subject). */
export const PGBENCH_SUBJECT = 'pgbench';

/** A schema of its own in the given database, for one benchmark run. */
export interface BenchSchema {
  readonly name: string;
  /** `databaseUrl` with `options=-c search_path=<schema>`: every connection works in it. */
  readonly url: string;
  settings(): Promise<PgSettings>;
  ledger(): Promise<LedgerCounts>;
  /** Whether the schema exists (false after `drop`). */
  exists(): Promise<boolean>;
  drop(): Promise<void>;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for reports. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+):[^@/]*@/i, '$1:***@');
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a connection lost meanwhile fails the query in `use` instead
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates `sb_bench_<hex>` in the database of `databaseUrl`; the server migrates it. */
export async function createBenchSchema(databaseUrl: string): Promise<BenchSchema> {
  const name = `sb_bench_${randomBytes(5).toString('hex')}`;
  await withClient(databaseUrl, (c) => c.query(`CREATE SCHEMA ${name}`));
  const url = schemaUrl(databaseUrl, name);
  return {
    name,
    url,
    settings: () =>
      withClient(databaseUrl, async (c) => {
        const row = (
          await c.query<Record<string, string>>(
            `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sc,
                    current_setting('fsync') AS fsync, current_setting('wal_sync_method') AS wsm,
                    current_setting('max_connections') AS mc, current_setting('shared_buffers') AS sb,
                    pg_backend_pid()::text AS pid`,
          )
        ).rows[0]!;
        return {
          serverVersion: row.version!,
          synchronousCommit: row.sc!,
          fsync: row.fsync!,
          walSyncMethod: row.wsm!,
          maxConnections: Number(row.mc),
          sharedBuffers: row.sb!,
          // Only when the backend is a process of this machine (a remote server's pid is not).
          postmasterPid:
            commandName(Number(row.pid)) === 'postgres' ? (parentPid(Number(row.pid)) ?? null) : null,
        };
      }),
    ledger: () =>
      withClient(url, async (c) => {
        const row = (
          await c.query<{ service: string; pgbench: string }>(
            `SELECT count(*) FILTER (WHERE subject <> $1) AS service, count(*) FILTER (WHERE subject = $1) AS pgbench
               FROM score_ledger`,
            [PGBENCH_SUBJECT],
          )
        ).rows[0]!;
        return { service: Number(row.service), pgbench: Number(row.pgbench) };
      }),
    exists: () =>
      withClient(
        databaseUrl,
        async (c) =>
          (await c.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [name]))
            .rowCount === 1,
      ),
    drop: () =>
      withClient(databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)).then(() => {}),
  };
}
