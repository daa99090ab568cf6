import jwt from 'jsonwebtoken';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUCCESS_BODY } from '../helpers/bodies.js';
import {
  childEnv,
  killChildServers,
  REPO_ROOT,
  startChildServer,
  type ChildServer,
} from '../helpers/child-server.js';
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
