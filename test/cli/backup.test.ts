import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childEnv, killChildServers, REPO_ROOT, startChildServer } from '../helpers/child-server.js';
import { serviceToken } from '../helpers/tokens.js';

const dirs: string[] = [];
afterEach(async () => {
  await killChildServers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-backup-'));
  dirs.push(dir);
  return dir;
};

const backup = (dir: string, target: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/backup.ts', target], {
    cwd: REPO_ROOT,
    env: childEnv(dir),
    encoding: 'utf8',
  });

describe('npm run backup', () => {
  it('copies the live database consistently while the server writes into one self-contained file, and a server starts on the copy', async () => {
    const live = tempDir();
    const server = await startChildServer(live);
    const post = (user: string, action: string, score: number) =>
      fetch(`${server.url}/update-score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serviceToken()}` },
        body: JSON.stringify({ user_id: user, action_id: action, new_score: score }),
      });
    for (let i = 0; i < 50; i++) expect((await post(`p${i}`, `a${i}`, i + 1)).status).toBe(200);
    const restored = tempDir();
    const result = backup(live, join(restored, 'scoreboard.db'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const size = statSync(join(restored, 'scoreboard.db')).size.toLocaleString('en');
    expect(result.stdout).toMatch(
      /^Backed up .* to .*scoreboard\.db: [\d,]+ bytes \(\d+ pages\), 50 users\.\n$/,
    );
    expect(result.stdout).toContain(`: ${size} bytes (`);
    expect((await post('later', 'after-backup', 1000)).status).toBe(200);

    // One self-contained file: no -wal or -shm beside it, before or after it is read.
    expect(readdirSync(restored)).toEqual(['scoreboard.db']);
    const copied = new BetterSqlite3(join(restored, 'scoreboard.db'), { readonly: true });
    const users = copied.prepare('select user_id from scores order by user_id').pluck().all();
    const actions = copied.prepare('select action_id from score_ledger order by action_id').pluck().all();
    copied.close();
    const expected = (prefix: string) => Array.from({ length: 50 }, (_, i) => `${prefix}${i}`).sort();
    expect(users).toEqual(expected('p'));
    expect(actions).toEqual(expected('a'));
    expect(readdirSync(restored)).toEqual(['scoreboard.db']);

    const copy = await startChildServer(restored);
    const board = (await (await fetch(`${copy.url}/leaderboard?limit=100`)).json()) as {
      entries: Array<{ user_id: string }>;
    };
    expect(board.entries).toHaveLength(50);
    expect(board.entries.map((e) => e.user_id)).not.toContain('later');
  });

  it('refuses to overwrite an existing file', () => {
    const dir = tempDir();
    const result = backup(dir, join(REPO_ROOT, 'package.json'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('exists already');
  });
});
