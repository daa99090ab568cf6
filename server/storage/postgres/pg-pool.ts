import type { PostgresPool } from 'kysely';
import pg from 'pg';
import { StorageUnavailableError } from '../storage.js';

const INT8_OID = 20;

// Scores, ids and versions are bigint columns that stay below 2^53: read them as numbers.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as never,
};

/** Every pool's limits: a database that stops answering is a quick error, never a hang. */
export const POOL_LIMITS = {
  /** Waiting for a connection (a database that is down fails within this). */
  connectionTimeoutMillis: 2000,
  /** One statement at most, on the server. */
  statement_timeout: 5000,
  /** One statement at most, as the client waits for it (a dead server). */
  query_timeout: 6000,
  idle_in_transaction_session_timeout: 10_000,
} as const;

/**
 * The limits of a pool that migrates: a migration may copy or rewrite whole tables, which on a
 * large database takes far longer than any request may, and an instance that starts meanwhile
 * waits for it (the migration lock) rather than fail.
 */
const MIGRATION_LIMITS = { ...POOL_LIMITS, statement_timeout: 0, query_timeout: 0 } as const;

/**
 * A pool for DATABASE_URL with bigint read as number and the limits above. `onIdleLost` hears
 * of each idle connection the server dropped (a restart, pg_terminate_backend): the pool has
 * already discarded it and opens a new one when asked.
 */
export function createPool(
  connectionString: string,
  max = 10,
  onIdleLost: (error: Error) => void = () => {},
  limits: typeof POOL_LIMITS | typeof MIGRATION_LIMITS = POOL_LIMITS,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    idleTimeoutMillis: 30_000,
    ...limits,
    types,
  });
  // Without a listener, the pool's 'error' event would end the process.
  pool.on('error', (error) => onIdleLost(error));
  // A client whose connection is lost while it is checked out (57P01 from
  // pg_terminate_backend, a restart of PostgreSQL, a cut network) emits 'error', and the pool
  // listens only while the client is idle; `pool.query` listens once, and a lost connection
  // can emit twice. So every client the pool makes gets a listener of its own for its whole
  // life, whoever checks it out. Nothing is lost by listening: the query in flight fails with
  // the same error (its caller answers 503), a later one fails as "not queryable", and the
  // pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** A pool of two connections (the migration lock's and the migrations') with no limit on a statement. */
export function createMigrationPool(connectionString: string, onIdleLost?: (error: Error) => void): pg.Pool {
  return createPool(connectionString, 2, onIdleLost, MIGRATION_LIMITS);
}

/** Takes a client from the pool (see createPool: every client carries an error listener). */
export function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  return pool.connect();
}

/**
 * Runs `work` in a transaction (`begin` is the statement that opens it) on a client of its
 * own. Rolls back when `work` throws; a client whose rollback failed too (its connection is
 * gone, or in a state nobody knows) is discarded instead of given back.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  begin: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await checkout(pool);
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The pool as Kysely's PostgresDialect takes it, its clients checked out through `checkout`. */
export function kyselyPool(pool: pg.Pool): PostgresPool {
  return { connect: () => checkout(pool), end: () => pool.end() };
}

/** PostgreSQL error classes that mean the database, not the request, is at fault. */
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58', 'XX', '40'];

/** Whether an error means the database could not be reached or could not commit. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return UNAVAILABLE_CLASSES.includes(code.slice(0, 2));
  }
  // Connection refused or reset, timeouts, "Connection terminated": all unavailability.
  return true;
}

/** Runs a write; a database that cannot be reached becomes StorageUnavailableError. */
export async function orUnavailable<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw isUnavailable(error) ? new StorageUnavailableError(String(error)) : error;
  }
}
