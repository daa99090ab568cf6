import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

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

describe('npm run bench (smoke, tiny size)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0, passes its self-verification and writes results of the expected shape', async () => {
    const out = join(dir, 'results.json');
    const run = await runBench([...TINY, '--out', out]);
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('| metric | value | target |');
    expect(run.stdout).toContain('Verification PASSED');

    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({
      schema: 1,
      machine: {
        cpuModel: expect.any(String),
        cpuCount: expect.any(Number),
        totalMemoryBytes: expect.any(Number),
        node: process.version,
      },
      options: { duration: 1, connections: 4, users: 50, subscribers: 20, out },
      bare: { requestsPerSec: expect.any(Number), latencyMs: latency, errors: 0, non2xx: 0 },
      updateScore: { requestsPerSec: expect.any(Number), latencyMs: latency, errors: 0, non2xx: 0 },
      throughputRatio: expect.any(Number),
      sdk: { callsPerSec: expect.any(Number), latencyMs: latency, errors: 0 },
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
      },
      verification: { passed: true },
      failure: null,
    });
    expect(results.ledger.newRows).toBe(results.ledger.accepted200);
    expect(results.ledger.accepted200).toBeGreaterThan(0);
    expect(results.updateScore.responses).toBeGreaterThan(0);
    expect(results.fanout.delivered).toBe(results.fanout.expectedDeliveries);
    for (const check of results.verification.checks)
      expect(check, check.name).toMatchObject({ passed: true });
    for (const row of results.targets) {
      expect(row).toEqual({
        metric: expect.any(String),
        value: expect.any(String),
        target: expect.any(String),
        met: expect.toBeOneOf([true, false, null]),
      });
    }
  }, 90_000);
});
