import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findWrk } from '../../bench/wrk-load.js';
import { PG_URL, REDIS_URL } from '../helpers/shared-services.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** wrk drives the load when it is on PATH; autocannon otherwise. */
const DRIVER = findWrk() ? 'wrk' : 'autocannon';

// Runs `npm run bench` at a tiny size: it must finish, pass its own verification and write
// a results file of the documented shape. Speed is deliberately not asserted.
const TINY = [
  '--duration',
  '1',
  '--warmup',
  '0',
  '--connections',
  '4',
  '--users',
  '50',
  '--sdk-seconds',
  '1',
  '--sdk-concurrency',
  '4',
  '--subscribers',
  '20',
  '--subscriber-batch',
  '10',
  '--fanout-rate',
  '200',
  '--fanout-seconds',
  '1',
  '--soak',
  '2',
  '--soak-warmup',
  '1',
  '--boards',
  '2',
  '--board-users',
  '20',
  '--past-rows',
  '200',
];

/** The default run plus the depth phase (seed, start, rank reads, random-user updates). */
const TINY_DEPTH = [...TINY, '--depth'];

/** PostgreSQL mode at a tiny size: one instance, two behind nginx, pgbench, 1 s each. */
// The many-boards phases run in the SQLite smoke run above, and alone on PostgreSQL below.
const TINY_POSTGRES = [
  '--database',
  PG_URL,
  '--redis',
  REDIS_URL,
  ...TINY.slice(0, TINY.indexOf('--soak')),
  '--boards',
  '0',
  '--past-rows',
  '0',
];

/** `--only boards` on PostgreSQL: the many-boards phases alone, each server on a schema of its own. */
const TINY_POSTGRES_BOARDS = [
  '--database',
  PG_URL,
  '--redis',
  REDIS_URL,
  '--only',
  'boards',
  ...TINY.slice(0, TINY.indexOf('--users') + 2),
  ...TINY.slice(TINY.indexOf('--boards')),
];

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const latency = expect.objectContaining({
  p50: expect.any(Number),
  p99: expect.any(Number),
});

const getLoad = {
  requestsPerSec: expect.any(Number),
  latencyMs: latency,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  mismatches: 0,
};

const load = (driver: string) => ({
  driver,
  requestsPerSec: expect.any(Number),
  latencyMs: latency,
  errors: 0,
  non2xx: 0,
  timeouts: 0,
  mismatches: 0,
});

/** Every check passed, and every summary row has the documented shape. */
function expectVerified(results: any): void {
  expect(results.verification.passed).toBe(true);
  for (const check of results.verification.checks) expect(check, check.name).toMatchObject({ passed: true });
  for (const row of results.targets) {
    expect(row).toEqual({
      metric: expect.any(String),
      value: expect.any(String),
      target: expect.any(String),
      met: expect.toBeOneOf([true, false, null]),
    });
  }
  expect(results.ledger.newRows).toBe(results.ledger.accepted200);
  expect(results.ledger.accepted200).toBeGreaterThan(0);
  expect(results.updateScore.responses).toBeGreaterThan(0);
}

describe('npm run bench (smoke, tiny size)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0, passes its self-verification and writes results of the expected shape', async () => {
    const out = join(dir, 'results.json');
    const run = await runBench([...TINY_DEPTH, '--out', out]);
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('| metric | value | target |');
    expect(run.stdout).toContain('Verification PASSED');

    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({
      schema: 1,
      mode: 'sqlite',
      driver: { name: DRIVER, description: expect.any(String) },
      machine: {
        cpuModel: expect.any(String),
        cpuCount: expect.any(Number),
        totalMemoryBytes: expect.any(Number),
        node: process.version,
      },
      options: { duration: 1, connections: 4, users: 50, subscribers: 20, out },
      bare: load(DRIVER),
      updateScore: load(DRIVER),
      throughputRatio: expect.any(Number),
      sdk: { callsPerSec: expect.any(Number), latencyMs: latency, errors: 0 },
      sdkWebSocket: { callsPerSec: expect.any(Number), latencyMs: latency, errors: 0 },
      fanout: {
        subscribers: 20,
        delayFromCommitMs: latency,
        delayFromSendMs: latency,
        missed: 0,
        updateErrors: 0,
        method: expect.any(String),
      },
      soak: {
        samples: expect.any(Array),
        firstMiB: expect.any(Number),
        lastMiB: expect.any(Number),
        growthPct: expect.any(Number),
        load: load(DRIVER),
      },
      postgres: null,
      cpu: expect.objectContaining({
        Scoreboard: expect.objectContaining({ serverPct: expect.any(Number) }),
      }),
      verification: { passed: true },
      failure: null,
    });
    expect(results.fanout.delivered).toBe(results.fanout.expectedDeliveries);
    expect(results.depth).toMatchObject({
      users: 50,
      seedSeconds: expect.any(Number),
      startSeconds: expect.any(Number),
      rssMB: { atStart: expect.any(Number), peak: expect.any(Number) },
    });
    if (DRIVER === 'wrk') {
      // wrk's own count of responses agrees with the script's status counts.
      expect(results.updateScore.wrk.requests).toBe(results.updateScore.responses);
      expect(run.stdout).toContain('Load: wrk ');
      expect(results.depth).toMatchObject({ healthz: getLoad, rank: getLoad, update: load('wrk') });
      expect(results.typed).toMatchObject({
        trpcUpdate: load('wrk'),
        plainTop: getLoad,
        trpcTop: getLoad,
        unavailable: null,
      });
    }
    expectVerified(results);
  }, 180_000); // every phase, on a machine other suites share

  it('falls back to autocannon (--driver autocannon) with the same results shape', async () => {
    const out = join(dir, 'results-autocannon.json');
    const small = [
      ...TINY.slice(0, TINY.indexOf('--sdk-seconds')),
      '--sdk-seconds',
      '0',
      '--subscribers',
      '0',
      '--boards',
      '0',
      '--past-rows',
      '0',
    ];
    const run = await runBench([...small, '--driver', 'autocannon', '--out', out]);
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('Load: autocannon');
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({
      mode: 'sqlite',
      driver: { name: 'autocannon' },
      bare: load('autocannon'),
      updateScore: load('autocannon'),
      sdk: null,
      fanout: null,
      soak: null,
    });
    expectVerified(results);
  }, 60_000);

  it('--database: one instance on PostgreSQL + Redis, two behind nginx and pgbench, in a schema it drops', async () => {
    const out = join(dir, 'results-postgres.json');
    const run = await runBench([...TINY_POSTGRES, '--out', out]);
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('Verification PASSED');
    expect(run.stdout).toContain('vs pgbench');

    const results = JSON.parse(readFileSync(out, 'utf8'));
    const pgbenchRun = {
      clients: 4,
      tps: expect.any(Number),
      transactions: expect.any(Number),
      failed: 0,
      aborted: false,
      latencyMs: latency,
    };
    expect(results).toMatchObject({
      schema: 1,
      mode: 'postgres',
      driver: { name: DRIVER },
      options: { duration: 1, connections: 4, users: 50 },
      bare: load(DRIVER),
      updateScore: load(DRIVER),
      sdk: { errors: 0, notApplied: 0 },
      fanout: { subscribers: 20, missed: 0, updateErrors: 0 },
      postgres: {
        schema: expect.stringMatching(/^sb_bench_[0-9a-f]+$/),
        schemaDropped: true,
        settings: { synchronousCommit: expect.any(String), fsync: expect.any(String) },
        redis: { keysLeft: 0 },
        nginx: { instances: 2, measured: load(DRIVER) },
        pgbench: { script: expect.stringContaining('INSERT INTO score_ledger'), measured: pgbenchRun },
        ratioToPgbench: expect.any(Number),
        nginxRatioToPgbench: expect.any(Number),
      },
      server: { exits: [{ code: 0 }, { code: 0 }, { code: 0 }] },
      failure: null,
    });
    expect(results.postgres.pgbench.measured.transactions).toBeGreaterThan(0);
    expect(results.postgres.pgbench.ledgerRows).toBe(results.postgres.pgbench.measured.transactions);
    expect(results.targets).toContainEqual(
      expect.objectContaining({ metric: '**(a) one instance vs pgbench**', target: '≥ 0.6×' }),
    );
    expectVerified(results);

    // The run's schema is gone from the shared database.
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const left = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
        results.postgres.schema,
      ]);
      expect(left.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('--only boards --database: the many-boards phases alone on PostgreSQL, each in a schema it drops', async () => {
    const out = join(dir, 'results-postgres-boards.json');
    const run = await runBench([...TINY_POSTGRES_BOARDS, '--out', out]);
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('Verification PASSED');

    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({
      mode: 'postgres',
      options: { only: 'boards', boards: 2, boardUsers: 20, pastRows: 200 },
      bare: null,
      updateScore: { responses: 0 },
      typed: null,
      sdk: null,
      fanout: null,
      postgres: { schemaDropped: true, redis: { keysLeft: 0 }, nginx: { measured: null } },
      boards: {
        boards: 2,
        usersPerBoard: 20,
        rows: 2 * 20 * 3 + 20,
        startSeconds: expect.any(Number),
        rssMB: { atStart: expect.any(Number) },
        failure: null,
      },
      failure: null,
    });
    // The many-boards server and the past window's, each after a migrating start.
    expect(results.postgres.boardsSchemas).toHaveLength(2);
    expect(results.server.exits).toHaveLength(4);
    if (DRIVER === 'wrk') {
      expect(results.boards).toMatchObject({
        windowCost: { ratio: expect.any(Number) },
        rollover: { missing: 0, aroundInstant: latency, seasons: { unbalanced: 0 } },
        past: { rows: 200, measured: getLoad },
      });
      expect(results.boards.rollover.ledgerRows).toBe(results.boards.rollover.acknowledged);
    }
    expect(results.verification.passed).toBe(true);
    for (const check of results.verification.checks)
      expect(check, check.name).toMatchObject({ passed: true });
    expect(results.targets.map((row: { metric: string }) => row.metric)).toContainEqual(
      expect.stringContaining('boards: server start'),
    );

    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const left = await client.query(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = ANY($1::text[])',
        [[results.postgres.schema, ...results.postgres.boardsSchemas]],
      );
      expect(left.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  }, 180_000);
});
