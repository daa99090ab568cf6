import { randomBytes } from 'node:crypto';
import { redactUrl } from '../../bench/pg-schema.js';
import { dropKeys, redisInfo } from '../../bench/redis.js';
import { holdUntilReleased } from '../local/cleanup-registry.js';
import { runStatement, schemaUrl } from '../local/postgres-schema.js';
import { SparePostgres } from '../local/spare-postgres.js';
import { SpareRedis } from '../local/spare-redis.js';
import type { ClusterOptions } from './cluster-options.js';

/** Where the cluster keeps its data: a schema and a Redis key prefix of its own, removed when it stops. */
export interface ClusterBackends {
  /** DATABASE_URL of the instances: the cluster's schema of the PostgreSQL it uses. */
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  /** For people: where each is and which of them the cluster started itself. */
  readonly description: string[];
}

/** How long a PostgreSQL or Redis may take to answer before it counts as not running. */
const ANSWER_TIMEOUT_MS = 3000;

/** Why `check` failed, or undefined when it passed. */
async function problemOf(check: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/** One service the instances share: the one asked for, when it answers, or one started here. */
async function useOrStart(
  name: string,
  given: { readonly url: string; readonly named: boolean },
  ownServices: boolean,
  how: { answers: (url: string) => Promise<unknown>; start: () => Promise<string> },
  say: (line: string) => void,
): Promise<{ url: string; own: boolean }> {
  if (!ownServices) {
    const problem = await problemOf(() => how.answers(given.url));
    if (problem === undefined) return { url: given.url, own: false };
    if (given.named) throw new Error(`${name} at ${redactUrl(given.url)} does not answer: ${problem}`);
    say(`No ${name} answers at ${redactUrl(given.url)}; starting one of its own`);
  }
  return { url: await how.start(), own: true };
}

/**
 * The PostgreSQL and Redis the instances share: the ones asked for, or (with --own-services,
 * or when the default one does not answer) spare ones started here. A named one that does
 * not answer is an error. The cluster's schema and Redis keys are released with the rest.
 */
export async function clusterBackends(
  options: ClusterOptions,
  say: (line: string) => void,
): Promise<ClusterBackends> {
  const id = randomBytes(3).toString('hex');
  const schema = `scoreboard_cluster_${id}`;
  const redisPrefix = `scoreboard-cluster:${id}:`;
  const postgres = await useOrStart(
    'PostgreSQL',
    options.database,
    options.ownServices,
    {
      answers: (url) => runStatement(url, 'SELECT 1', [], { connectTimeoutMs: ANSWER_TIMEOUT_MS }),
      start: async () => (await SparePostgres.start()).url,
    },
    say,
  );
  const redis = await useOrStart(
    'Redis',
    options.redis,
    options.ownServices,
    { answers: redisInfo, start: async () => (await SpareRedis.start({ ownProcessGroup: true })).url },
    say,
  );
  await runStatement(postgres.url, `CREATE SCHEMA ${schema}`);
  holdUntilReleased(async () => {
    await runStatement(postgres.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const keys = await dropKeys(redis.url, redisPrefix);
    say(`  schema ${schema} dropped, ${keys} Redis keys ${redisPrefix}* deleted`);
  });
  const own = (service: { own: boolean }) => (service.own ? ' (its own, removed when it stops)' : '');
  return {
    databaseUrl: schemaUrl(postgres.url, schema),
    redisUrl: redis.url,
    redisPrefix,
    description: [
      `PostgreSQL ${redactUrl(postgres.url)}${own(postgres)}, schema ${schema}`,
      `Redis ${redactUrl(redis.url)}${own(redis)}, keys ${redisPrefix}*`,
    ],
  };
}
