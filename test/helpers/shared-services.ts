import { randomBytes } from 'node:crypto';

/** The shared PostgreSQL database of this machine and CI (trust auth, database `test`). */
export const PG_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The shared Redis of this machine and CI, for the PostgreSQL runs. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * This run's mark on what it makes in the shared services. vitest's global setup sets it once
 * per run, so the check at the end of the run finds this run's leftovers and never those of
 * another run on the same database; a helper used outside vitest gets a mark of its own.
 */
export const RUN_ID = process.env.TEST_RUN_ID ?? randomBytes(3).toString('hex');

/** How the PostgreSQL schemas of run `runId` begin. */
export const schemaPrefixOf = (runId: string) => `sb_${runId}_`;

/** How the Redis keys of run `runId`'s test servers begin. */
export const redisPrefixOf = (runId: string) => `sbt:${runId}:`;

/** Every PostgreSQL schema this run creates starts with this. */
export const RUN_SCHEMA_PREFIX = schemaPrefixOf(RUN_ID);

/** Every Redis key this run's test servers write starts with this. */
export const RUN_REDIS_PREFIX = redisPrefixOf(RUN_ID);
