import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from './config.js';
import { ensureDir } from './data-dir.js';

const SECRET_FILE = 'jwt-secret';

/**
 * Outside production, a missing JWT_SECRET is generated once and kept in the data folder,
 * so tokens minted with `npm run token` keep working across restarts.
 * Returns the configuration with the secret filled in, whether it came from the data folder,
 * and whether it was generated now.
 */
export function withDevelopmentSecret(config: Config): {
  config: Config;
  created: boolean;
  fromDataDir: boolean;
} {
  if (config.jwt.secret || config.jwt.publicKey || config.env === 'production') {
    return { config, created: false, fromDataDir: false };
  }
  const file = join(config.dataDir, SECRET_FILE);
  let created = false;
  let secret = readSecret(file);
  if (secret === undefined) {
    ensureDir(config.dataDir);
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (error) {
      // Another process (the token CLI, a second server) created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    secret = readSecret(file);
  }
  if (!secret || secret.length < 32) {
    throw new ConfigError(
      `Invalid configuration: JWT_SECRET expects at least 32 characters (the file ${file} has fewer)`,
    );
  }
  return {
    config: Object.freeze({ ...config, jwt: Object.freeze({ ...config.jwt, secret }) }),
    created,
    fromDataDir: true,
  };
}

function readSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
