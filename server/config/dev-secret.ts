import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sqliteFileOf } from './database-url.js';
import { ConfigError, type Config } from './config.js';
import { ensureDir } from './data-dir.js';

const SECRET_FILE = 'jwt-secret';

/**
 * Outside production, a missing JWT_SECRET is generated once and kept in the data folder,
 * so tokens minted with `npm run token` keep working across restarts.
 * Returns the configuration with the secret filled in, whether it came from the data folder
 * (and from which file), and whether it was generated now.
 */
export function withDevelopmentSecret(config: Config): {
  config: Config;
  created: boolean;
  fromDataDir: boolean;
  file?: string;
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
    file,
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

/** A word for a POSIX shell: as it is when it needs no quotes, else in single quotes. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The exact command that mints a token for a server that signs with the development secret in
 * `secretFile`. `npm run token` runs in the package folder (`packageRoot`), where the default
 * DATABASE_URL puts the secret in `./data`; a server whose secret is elsewhere is named: its
 * SQLite file (the secret lies beside it), or else the secret itself. The issuer and audience
 * the server checks go along.
 */
export function mintCommand(config: Config, secretFile: string, packageRoot: string, args: string): string {
  const words: string[] = [];
  if (resolve(secretFile) !== resolve(packageRoot, 'data', SECRET_FILE)) {
    const file = sqliteFileOf(config.databaseUrl);
    words.push(
      file !== undefined
        ? `DATABASE_URL=${shellWord(resolve(file))}`
        : `JWT_SECRET="$(cat ${shellWord(resolve(secretFile))})"`,
    );
  }
  if (config.jwt.issuer) words.push(`JWT_ISSUER=${shellWord(config.jwt.issuer)}`);
  if (config.jwt.audience) words.push(`JWT_AUDIENCE=${shellWord(config.jwt.audience)}`);
  return [...words, 'npm run token --', args].join(' ');
}
