import jwt from 'jsonwebtoken';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/config.js';
import { mintCommand } from '../../server/config/dev-secret.js';
import { SUCCESS_BODY } from '../helpers/bodies.js';
import {
  childEnv,
  killChildServers,
  REPO_ROOT,
  startChildServer,
  type ChildServer,
} from '../helpers/child-server.js';
import { runInShell } from '../helpers/processes.js';
import { TEST_SECRET } from '../helpers/tokens.js';

const CLI_ARGS = ['--import', 'tsx', 'server/cli/token.ts'];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-cli-'));
});
afterEach(async () => {
  await killChildServers();
  rmSync(dir, { recursive: true, force: true });
});

/** The environment the CLI and the server share: same data folder, same secret (unless removed). */
const sharedEnv = (overrides: Record<string, string | undefined> = {}) => childEnv(dir, overrides);

/** Runs `npm run token -- ...args` and returns the printed token. */
const mint = (args: string[], env = sharedEnv()) =>
  execFileSync(process.execPath, [...CLI_ARGS, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' }).trim();

const PRODUCTION_WITHOUT_KEY =
  'Invalid configuration: JWT_SECRET expects a secret of at least 32 characters (or set JWT_PUBLIC_KEY) when NODE_ENV=production\n';

/** Runs `npm run token -- ...args` to its exit. */
const runCli = (args: string[], env = sharedEnv()) =>
  spawnSync(process.execPath, [...CLI_ARGS, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });

/** A key pair of `type`, the private half written to a PEM file in the test's folder. */
function keyPair(type: 'rsa' | 'ec', namedCurve = 'P-256') {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve });
  const file = join(dir, `${type}-${namedCurve}-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { file, publicPem: String(publicKey.export({ type: 'spki', format: 'pem' })) };
}

async function updateScore(server: ChildServer, token: string, body: object) {
  const res = await fetch(`${server.url}/update-score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

describe('npm run token', () => {
  it('prints an HS256 token for the user with the requested role and lifetime', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = mint(['alice', '--role', 'service', '--ttl', '1h']);
    const after = Math.ceil(Date.now() / 1000);

    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = jwt.verify(token, TEST_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims.sub).toBe('alice');
    expect(claims.roles).toEqual(['service']);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(after);
  });

  it('mints a token that a server started with the same environment accepts', async () => {
    const token = mint(['alice']);
    const server = await startChildServer(dir);
    const res = await updateScore(server, token, { user_id: 'alice', action_id: 'cli-1', new_score: 42 });
    expect(res).toEqual({ status: 200, body: SUCCESS_BODY });
  });

  it('mints, without JWT_SECRET, a token that a development server on the same data folder accepts', async () => {
    const env = sharedEnv({ NODE_ENV: 'development', JWT_SECRET: undefined });
    const token = mint(['game-server', '--role', 'service'], env);
    const secret = readFileSync(join(dir, 'jwt-secret'), 'utf8').trim();
    expect(jwt.verify(token, secret, { algorithms: ['HS256'] })).toMatchObject({ sub: 'game-server' });

    const server = await startChildServer(dir, { NODE_ENV: 'development', JWT_SECRET: undefined });
    const res = await updateScore(server, token, { user_id: 'bob', action_id: 'cli-2', new_score: 7 });
    expect(res).toEqual({ status: 200, body: SUCCESS_BODY });
  });

  it('exits with code 2 and prints usage for a lifetime that is not a duration', () => {
    const result = runCli(['alice', '--ttl', 'soon']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--ttl soon is not a duration like 3600, 30m or 1h.');
    expect(result.stderr).toContain('Usage: npm run token');
  });
});

describe('npm run token refusals', () => {
  it('refuses an unknown role with the list of roles, exit code 2', () => {
    const result = runCli(['alice', '--role', 'service', '--role', 'bogus']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^--role bogus is not a role; the roles are service, admin\.\n\nUsage: npm run token/,
    );
  });

  it('refuses, in production without a key, in one line naming what to set, and makes no secret', () => {
    const result = runCli(
      ['ops', '--role', 'admin'],
      sharedEnv({ NODE_ENV: 'production', JWT_SECRET: undefined }),
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(PRODUCTION_WITHOUT_KEY);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('refuses, in one line and with code 2, to sign without --key for a server that verifies JWT_PUBLIC_KEY', () => {
    const { publicPem } = keyPair('ec');
    const result = runCli(['alice'], sharedEnv({ JWT_SECRET: undefined, JWT_PUBLIC_KEY: publicPem }));
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'The server verifies ES256 tokens with JWT_PUBLIC_KEY: pass its private key with --key\n',
    );
  });

  it('refuses --key when JWT_SECRET is set: the server verifies HS256', () => {
    const { file } = keyPair('ec');
    const result = runCli(['alice', '--key', file]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `--key ${file} signs ES256, but JWT_SECRET is set (HS256): leave out --key, or set JWT_PUBLIC_KEY instead of JWT_SECRET\n`,
    );
  });

  it('refuses --key without JWT_PUBLIC_KEY: nothing says the server verifies that key', () => {
    const { file } = keyPair('ec');
    const result = runCli(
      ['alice', '--key', file],
      sharedEnv({ NODE_ENV: 'development', JWT_SECRET: undefined }),
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `--key ${file} signs ES256, but JWT_PUBLIC_KEY is not set: set it to the server's public key, so the token is checked against what the server verifies with\n`,
    );
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('refuses --key when it is not the private half of JWT_PUBLIC_KEY', () => {
    const { file } = keyPair('rsa');
    const other = keyPair('rsa');
    const result = runCli(
      ['alice', '--key', file],
      sharedEnv({ JWT_SECRET: undefined, JWT_PUBLIC_KEY: other.publicPem }),
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `--key ${file} does not match JWT_PUBLIC_KEY: the server would refuse its tokens\n`,
    );
  });

  it('refuses a key the server cannot verify (P-384) and a file that is no private key', () => {
    const { file } = keyPair('ec', 'P-384');
    const env = sharedEnv({ JWT_SECRET: undefined });
    expect(runCli(['alice', '--key', file], env)).toMatchObject({
      status: 2,
      stderr: `--key ${file} is neither an RSA nor a P-256 EC key, the keys the server verifies (RS256, ES256)\n`,
    });
    const notAKey = join(dir, 'not-a-key.pem');
    writeFileSync(notAKey, 'hello\n');
    expect(runCli(['alice', '--key', notAKey], env)).toMatchObject({
      status: 2,
      stderr: `--key ${notAKey} is not a PEM private key\n`,
    });
  });
});

describe('npm run token --key', () => {
  it('signs ES256 with a P-256 key that matches JWT_PUBLIC_KEY, makes no secret, and an ES256 server accepts it', async () => {
    const { file, publicPem } = keyPair('ec');
    const env = sharedEnv({ NODE_ENV: 'development', JWT_SECRET: undefined, JWT_PUBLIC_KEY: publicPem });
    const token = mint(['alice', '--key', file], env);
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('ES256');
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);

    const server = await startChildServer(dir, { JWT_SECRET: undefined, JWT_PUBLIC_KEY: publicPem });
    const res = await updateScore(server, token, { user_id: 'alice', action_id: 'key-1', new_score: 5 });
    expect(res).toEqual({ status: 200, body: SUCCESS_BODY });
  });

  it('signs RS256 with an RSA key that matches JWT_PUBLIC_KEY', () => {
    const { file, publicPem } = keyPair('rsa');
    const token = mint(
      ['bob', '--key', file, '--role', 'service'],
      sharedEnv({ JWT_SECRET: undefined, JWT_PUBLIC_KEY: publicPem }),
    );
    const claims = jwt.verify(token, publicPem, { algorithms: ['RS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'bob', roles: ['service'] });
  });
});

describe('the production command of docs/security.md', () => {
  /** The documented commands, run in this checkout on the environment file `envFile`. */
  function documentedCommand(envFile: string): string {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    const block = doc.match(/```sh\n(cd \/opt\/scoreboard\n[^`]*scoreboard\.env[^`]*)```/)?.[1];
    expect(block).toBeDefined();
    return block!
      .replace('cd /opt/scoreboard\n', '')
      .replaceAll('/etc/scoreboard/scoreboard.env', envFile)
      .trim()
      .replaceAll('\n', '; ');
  }

  it('mints with the secret and issuer of the environment file', () => {
    const envFile = join(dir, 'scoreboard.env');
    writeFileSync(
      envFile,
      `JWT_SECRET=${TEST_SECRET}\nJWT_ISSUER=scores.example.com\nTRUST_PROXY=127.0.0.1\n`,
    );
    const token = runInShell(documentedCommand(envFile));
    const claims = jwt.verify(token, TEST_SECRET, { algorithms: ['HS256'], issuer: 'scores.example.com' });
    expect(claims).toMatchObject({ sub: 'ops', roles: ['admin'] });
  });

  it('stops with one line, and makes no development secret, when the file holds no key', () => {
    const envFile = join(dir, 'scoreboard.env');
    writeFileSync(envFile, `TRUST_PROXY=127.0.0.1\nDATABASE_URL=${join(dir, 'scoreboard.db')}\n`);
    const result = spawnSync('sh', ['-c', documentedCommand(envFile)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(PRODUCTION_WITHOUT_KEY);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });
});

describe('the command the start banner prints', () => {
  it('mints a token that this server accepts, for a database in a folder of its own', async () => {
    const database = join(dir, 'elsewhere', 'sb.db');
    const server = await startChildServer(dir, {
      NODE_ENV: 'development',
      JWT_SECRET: undefined,
      DATABASE_URL: database,
    });
    await expect.poll(() => server.stderr()).toContain('--role service\n');
    const banner = server.stderr();
    expect(banner).toContain(`(generated a development JWT secret: ${join(dir, 'elsewhere', 'jwt-secret')})`);
    const command = banner.match(/^Mint a token: {2}(.+)$/m)?.[1];
    expect(command).toBe(`DATABASE_URL=${database} npm run token -- alice`);

    const res = await updateScore(server, runInShell(command!), {
      user_id: 'alice',
      action_id: 'banner-1',
      new_score: 3,
    });
    expect(res).toEqual({ status: 200, body: SUCCESS_BODY });
  });

  it('is plain npm run token for the default data folder, and names the secret itself for PostgreSQL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db.example/scores', JWT_ISSUER: "it's us" });
    const secretFile = join(dir, 'data', 'jwt-secret');
    expect(mintCommand(config, join(REPO_ROOT, 'data', 'jwt-secret'), REPO_ROOT, 'alice')).toBe(
      `JWT_ISSUER='it'\\''s us' npm run token -- alice`,
    );
    const command = mintCommand(config, secretFile, REPO_ROOT, 'bob --role service');
    expect(command).toBe(
      `JWT_SECRET="$(cat ${secretFile})" JWT_ISSUER='it'\\''s us' npm run token -- bob --role service`,
    );

    const secret = 'a-development-secret-of-at-least-32-characters';
    mkdirSync(join(dir, 'data'));
    writeFileSync(secretFile, `${secret}\n`);
    const claims = jwt.verify(runInShell(command), secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'bob', roles: ['service'], iss: "it's us" });
  });
});
