import jwt from 'jsonwebtoken';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const result = spawnSync(process.execPath, [...CLI_ARGS, 'alice', '--ttl', 'soon'], {
      cwd: REPO_ROOT,
      env: sharedEnv(),
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--ttl soon is not a duration like 3600, 30m or 1h.');
    expect(result.stderr).toContain('Usage: npm run token');
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
