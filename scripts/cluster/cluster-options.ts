import { parseArgs } from 'node:util';
import { isPostgresUrl } from '../../server/config/database-url.js';
import { withoutEmptyValues } from '../../server/config/empty-values.js';

/** The PostgreSQL of a development machine (DEVELOPERS.md): trust auth for `postgres` on 127.0.0.1. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export const USAGE = `Usage: npm run cluster -- [--instances 2] [--port 8080] [--host 127.0.0.1]
                          [--database-url URL] [--redis-url URL] [--own-services]
Starts N Scoreboard instances on PostgreSQL + Redis behind nginx on this machine, prints the
URL and a token command, and runs until Ctrl-C (or SIGTERM), which stops everything it started.
  --instances      how many instances (1..16, default 2)
  --port           nginx's port (default 8080); --host its address (default 127.0.0.1)
  --database-url   the PostgreSQL to use (default: DATABASE_URL when it is postgres://, else
                   ${DEFAULT_DATABASE_URL}); the cluster works in a schema of its own
  --redis-url      the Redis to use (default: REDIS_URL, else ${DEFAULT_REDIS_URL})
  --own-services   start a PostgreSQL and a Redis of its own on spare ports (also done for the
                   default one that does not answer)`;

/** What `npm run cluster` was asked for. */
export interface ClusterOptions {
  readonly instances: number;
  readonly port: number;
  readonly host: string;
  /** The PostgreSQL to use, and whether it was named (a flag or DATABASE_URL) rather than the default. */
  readonly database: { readonly url: string; readonly named: boolean };
  readonly redis: { readonly url: string; readonly named: boolean };
  readonly ownServices: boolean;
}

/** Flags that cannot be used; the message says which. */
export class ClusterUsageError extends Error {
  override name = 'ClusterUsageError';
}

function whole(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new ClusterUsageError(`--${name} expects an integer from ${min} to ${max}`);
  return Number(value);
}

/** Reads the flags (`argv`) and, for what they leave out, DATABASE_URL and REDIS_URL of `env`. */
export function parseClusterOptions(argv: string[], env: NodeJS.ProcessEnv): ClusterOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        instances: { type: 'string', default: '2' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        'own-services': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new ClusterUsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const set = withoutEmptyValues(env);
  const fromEnv = set.DATABASE_URL && isPostgresUrl(set.DATABASE_URL) ? set.DATABASE_URL : undefined;
  const databaseUrl = values['database-url'] ?? fromEnv;
  // REDIS_URL is judged with the instances' configuration, as the server judges it.
  const redisUrl = values['redis-url'] ?? set.REDIS_URL;
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl))
    throw new ClusterUsageError('--database-url expects a postgres:// URL');
  return {
    instances: whole('instances', values.instances, 1, 16),
    port: whole('port', values.port, 1, 65535),
    host: values.host,
    database: { url: databaseUrl ?? DEFAULT_DATABASE_URL, named: databaseUrl !== undefined },
    redis: { url: redisUrl ?? DEFAULT_REDIS_URL, named: redisUrl !== undefined },
    ownServices: values['own-services'],
  };
}
