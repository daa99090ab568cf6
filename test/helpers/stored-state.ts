import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the stored state behind the server's back, synchronously, whichever database it has:
 * the SQLite file through a read-only connection, PostgreSQL through `psql` (one process per
 * query; the SQL the tests write runs on both). `?` parameters are inlined as literals.
 */
export interface StoredState {
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** Bytes the database takes: the SQLite data folder, or the PostgreSQL schema's tables. */
  bytes(): number;
  close(): void;
}

/** The stored state of a SQLite database file. */
export function sqliteState(file: string, folder: string): StoredState {
  const reader = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  return {
    query: <T>(sql: string, ...params: unknown[]) => reader.prepare(sql).all(...params) as T[],
    bytes: () => readdirSync(folder).reduce((total, name) => total + statSync(join(folder, name)).size, 0),
    close: () => reader.close(),
  };
}

const literal = (value: unknown): string => {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
};

/** The stored state of a PostgreSQL schema (`url` carries its search_path). */
export function postgresState(url: string, schema: string): StoredState {
  const psql = (sql: string): string => {
    const result = spawnSync('psql', [url, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  return {
    query<T>(sql: string, ...params: unknown[]): T[] {
      let i = 0;
      const inlined = sql.replace(/\?/g, () => literal(params[i++]));
      return JSON.parse(psql(`SELECT coalesce(json_agg(t), '[]') FROM (${inlined}) AS t`)) as T[];
    },
    bytes: () =>
      Number(
        psql(
          `SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0)
           FROM pg_tables WHERE schemaname = ${literal(schema)}`,
        ),
      ),
    close: () => {},
  };
}
