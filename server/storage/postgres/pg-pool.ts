import pg from 'pg';

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

/** A pool for DATABASE_URL with bigint read as number and the limits above. */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    idleTimeoutMillis: 30_000,
    ...POOL_LIMITS,
    types,
  });
  // An idle client losing its connection (a restart of PostgreSQL) must not crash the process:
  // the pool drops it and opens a new one when asked.
  pool.on('error', () => {});
  return pool;
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
