import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareRecords } from '../../server/domain/score-record.js';
import { seedScore } from '../../server/storage/seed-scores.js';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { childEnv, killChildServers, REPO_ROOT, startChildServer } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { sqliteState } from '../helpers/stored-state.js';
import { serviceToken } from '../helpers/tokens.js';

const dirs: string[] = [];
let schema: TestSchema | undefined;
afterEach(async () => {
  await killChildServers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await schema?.drop();
  schema = undefined;
});

const seed = (dir: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/seed.ts', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(dir, env),
    encoding: 'utf8',
  });

/** The ranks the seed's scores must give: ties broken by who was inserted first. */
function expectedRanks(count: number): Map<string, number> {
  const records = Array.from({ length: count }, (_, i) => ({
    userId: `seed-${i}`,
    score: seedScore(i),
    reachedSeq: i + 1,
  }));
  return new Map(records.sort(compareRecords).map((r, i) => [r.userId, i + 1]));
}

async function checkBoard(url: string, count: number): Promise<void> {
  const ranks = expectedRanks(count);
  for (const i of [0, 1, 17, Math.floor(count / 2), count - 1]) {
    const body = await (await fetch(`${url}/leaderboard/users/seed-${i}`)).json();
    expect(body).toEqual({
      window: GLOBAL_ALL_WINDOW,
      user_id: `seed-${i}`,
      score: seedScore(i),
      rank: ranks.get(`seed-${i}`),
    });
  }
}

describe('npm run seed', () => {
  it('fills a SQLite database with N users that rank as their deterministic scores say, and adds only what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-seed-'));
    dirs.push(dir);
    const first = seed(dir, ['--users', '3000']);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /^Seeded 3,000 new users in [\d.]+ s; seed-0 \.\.\. seed-2999 are all on the board\.\n$/,
    );
    expect(seed(dir, ['--users', '4000']).stdout).toMatch(
      /^Seeded 1,000 new users in [\d.]+ s; seed-0 \.\.\. seed-3999 are all/,
    );
    const server = await startChildServer(dir, { RATE_LIMIT_READS_PER_MIN: '100000' });
    await checkBoard(server.url, 4000);
    const scores = new Set(Array.from({ length: 4000 }, (_, i) => seedScore(i)));
    expect(scores.size).toBeLessThan(4000); // ties
  });

  it('fills PostgreSQL the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-seed-'));
    dirs.push(dir);
    schema = await freshSchema();
    expect(seed(dir, ['--users', '3000'], { DATABASE_URL: schema.url }).status).toBe(0);
    const server = await startChildServer(dir, {
      DATABASE_URL: schema.url,
      RATE_LIMIT_READS_PER_MIN: '100000',
    });
    await checkBoard(server.url, 3000);
  });

  it('refuses, in one line and with exit code 1, to seed a SQLite file a running server holds, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-seed-'));
    dirs.push(dir);
    const file = join(dir, 'scoreboard.db');
    const server = await startChildServer(dir);
    const res = await fetch(`${server.url}/update-score`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serviceToken()}` },
      body: JSON.stringify({ user_id: 'alice', action_id: 'a-1', new_score: 5 }),
    });
    expect(res.status).toBe(200);
    const stored = () => {
      const state = sqliteState(file, dir);
      const rows = {
        scores: state.query('select user_id, score from scores order by user_id'),
        ledger: state.query('select action_id, user_id from score_ledger order by action_id'),
      };
      state.close();
      return rows;
    };
    const before = stored();
    expect(before.scores).toEqual([{ user_id: 'alice', score: 5 }]);

    const refused = seed(dir, ['--users', '50']);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `Seeding refused: ${file} is in use by another process (a running server, or npm run seed): ` +
        `it holds ${file}-lock; stop it first.\n`,
    );
    expect(refused.status).toBe(1);
    expect(stored()).toEqual(before);

    expect(await server.stop()).toBe(0);
    const seeded = seed(dir, ['--users', '50']);
    expect(seeded.stdout).toMatch(/^Seeded 50 new users /);
    expect(seeded.status).toBe(0);
    expect(stored().scores).toHaveLength(51);
  });

  it('seeds a SQLite file whose server was killed with SIGKILL: the lock file left behind blocks nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-seed-'));
    dirs.push(dir);
    const server = await startChildServer(dir);
    await server.kill9();
    expect(existsSync(join(dir, 'scoreboard.db-lock'))).toBe(true);
    const seeded = seed(dir, ['--users', '20']);
    expect(seeded.stderr).not.toContain('refused');
    expect(seeded.status).toBe(0);
    expect(seeded.stdout).toMatch(/^Seeded 20 new users /);
  });

  it.each([[[]], [['--users', '0']], [['--users', 'many']], [['--users', '10000001']]])(
    'refuses %j with exit code 2 and the usage',
    (args) => {
      const dir = mkdtempSync(join(tmpdir(), 'scoreboard-seed-'));
      dirs.push(dir);
      const result = seed(dir, args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('Usage: npm run seed -- --users N');
    },
  );
});
