import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

const SECRET_FILE = 'jwt-secret';

/**
 * Outside production, a missing JWT_SECRET is generated once and kept in the data folder,
 * so tokens minted with `npm run token` keep working across restarts.
 * Returns the configuration with the secret filled in, and whether it was generated now.
 */
export function withDevelopmentSecret(config: Config): { config: Config; created: boolean } {
  if (config.jwt.secret || config.jwt.publicKey || config.env === 'production') {
    return { config, created: false };
  }
  const file = join(config.dataDir, SECRET_FILE);
  let secret: string;
  let created = false;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    secret = randomBytes(32).toString('base64url');
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  return {
    config: Object.freeze({ ...config, jwt: Object.freeze({ ...config.jwt, secret }) }),
    created,
  };
}
