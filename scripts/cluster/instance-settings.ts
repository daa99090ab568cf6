import { loadConfig } from '../../server/config/config.js';
import { mintCommand, withDevelopmentSecret } from '../../server/config/dev-secret.js';
import { REPO_ROOT } from '../local/server-process.js';
import type { ClusterBackends } from './cluster-backends.js';

/** The environment every instance of the cluster runs with, and how to mint a token for them. */
export interface InstanceSettings {
  readonly env: Record<string, string>;
  readonly tokenCommand: string;
}

/**
 * This environment (so LOG_LEVEL, SCORE_MAX and the like apply) with what the cluster decides:
 * a port of each instance's choosing on 127.0.0.1, the shared schema, Redis and key prefix,
 * nginx on this host as the trusted proxy. The configuration is checked as the server checks
 * it (a bad variable is one line naming it). Without JWT_SECRET or JWT_PUBLIC_KEY, a
 * development secret is made in the cluster's folder, and the token command names it.
 */
export function instanceSettings(backends: ClusterBackends, dir: string): InstanceSettings {
  const env: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: backends.databaseUrl,
    REDIS_URL: backends.redisUrl,
    REDIS_PREFIX: backends.redisPrefix,
    TRUST_PROXY: '127.0.0.1',
    // The cluster knows an instance is up from its "listening" line, an info line.
    LOG_LEVEL: ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info',
  };
  const config = loadConfig(env);
  const secret = withDevelopmentSecret({ ...config, dataDir: dir });
  if (!secret.file)
    return { env, tokenCommand: 'npm run token -- alice  (with the JWT key of this environment)' };
  return {
    env: { ...env, JWT_SECRET: secret.config.jwt.secret! },
    tokenCommand: mintCommand(secret.config, secret.file, REPO_ROOT, 'alice'),
  };
}
