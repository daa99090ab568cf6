import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { startBareServer } from './child.js';
import { accepted200, buildChecks } from './checks.js';
import { CpuMeter } from './cpu.js';
import type { HttpLoadResult } from './http-load.js';
import { loadWithWarmup, pickDriver } from './load.js';
import { parseOptions, USAGE } from './options.js';
import { redactUrl } from './pg-schema.js';
import { runPostgresMode } from './postgres-phase.js';
import { machineInfo, markdownTable, profileText, targetRows, type BenchResults } from './report.js';
import { runSqliteMode } from './sqlite-phase.js';
import { round } from './stats.js';
import { newSecret, serviceToken, Workload } from './workload.js';

async function main(): Promise<number> {
  const parsed = parseOptions();
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parsed;
  const startedAt = new Date().toISOString();
  const startLoad = loadavg();
  const secret = newSecret();
  const token = serviceToken(secret);
  const driver = pickDriver(options.driver, options.threads);
  const cpu = new CpuMeter();

  // 1. The baseline: a bare node:http server under the same load generator and settings
  // (not with --only boards, which measures no update against it).
  const bare = options.only === 'all' ? await measureBare() : null;

  // 2. Scoreboard in production mode: SQLite, or PostgreSQL + Redis (--database).
  const mode = options.database ? 'postgres' : 'sqlite';
  const args = { options, driver, cpu, secret, token, workload: new Workload(options.users) };
  const outcome = mode === 'postgres' ? await runPostgresMode(args) : await runSqliteMode(args);

  // 3. Self-verification.
  const checks = buildChecks(outcome, bare);
  const passed = checks.every((check) => check.passed);
  const measured = outcome.updateScore ?? emptyHttp('Scoreboard', driver.name);
  const firstExit = outcome.exits[0] ?? { code: null, signal: null };
  const partial = {
    schema: 1 as const,
    startedAt,
    finishedAt: new Date().toISOString(),
    mode,
    driver: { name: driver.name, description: driver.description },
    options: {
      ...options,
      database: options.database && redactUrl(options.database),
      redis: redactUrl(options.redis),
    },
    machine: machineInfo(startLoad),
    server: {
      rateLimitPerMin: outcome.rateLimitPerMin,
      exit: { code: firstExit.code, signal: firstExit.signal },
      exits: outcome.exits,
    },
    bare,
    updateScore: measured,
    throughputRatio: bare?.requestsPerSec ? round(measured.requestsPerSec / bare.requestsPerSec, 3) : 0,
    sdk: outcome.sdk,
    sdkWebSocket: outcome.sdkWebSocket,
    typed: outcome.typed,
    depth: outcome.depth,
    boards: outcome.boards,
    fanout: outcome.fanout,
    soak: outcome.soak,
    ledger: {
      before: outcome.ledger.before,
      after: outcome.ledger.after,
      newRows: outcome.ledger.after - outcome.ledger.before,
      accepted200: accepted200(outcome),
    },
    postgres: outcome.postgres,
    cpu: cpu.phases,
    profile: outcome.profile,
    failure: outcome.failure,
  } satisfies Omit<BenchResults, 'targets' | 'verification'>;
  const results: BenchResults = {
    ...partial,
    verification: { passed, checks },
    targets: targetRows(partial),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, await formatJson(results, options.out));

  // 4. The report.
  process.stdout.write(`${reportText(results)}\n`);
  return passed ? 0 : 1;

  async function measureBare(): Promise<HttpLoadResult> {
    const bareServer = await startBareServer();
    try {
      return (
        await loadWithWarmup({
          driver,
          cpu,
          name: bareServer.name,
          url: bareServer.url,
          token,
          workload: new Workload(options.users),
          seconds: options.duration,
          warmup: options.warmup,
          connections: options.connections,
          settleInFlight: false,
          servers: [() => bareServer.cpuSeconds()],
        })
      ).measured;
    } finally {
      await bareServer.stop();
    }
  }
}

function reportText(results: BenchResults): string {
  const { options, machine: m, postgres: pg } = results;
  const where =
    pg && pg.settings
      ? `PostgreSQL ${pg.settings.serverVersion} (synchronous_commit=${pg.settings.synchronousCommit}, ` +
        `fsync=${pg.settings.fsync}, wal_sync_method=${pg.settings.walSyncMethod}, shared_buffers=${pg.settings.sharedBuffers}) ` +
        `in schema ${pg.schema} of ${pg.database} (dropped afterwards), Redis ${pg.redis.version ?? '?'} ` +
        `at ${pg.redis.url} under ${pg.redis.prefix}; nginx with deploy/nginx/scoreboard.conf.template (one worker); ` +
        `SDK, fan-out and soak phases on ${pg.otherPhasesOn}`
      : pg
        ? `PostgreSQL at ${pg.database}`
        : `database in ${options.dbDir} (DB_SYNCHRONOUS=${options.dbSync})`;
  const out: string[] = [
    `## Scoreboard benchmark, ${results.mode === 'postgres' ? 'PostgreSQL + Redis' : 'SQLite'} (${results.startedAt})`,
    '',
    `Machine: ${m.cpuCount} × ${m.cpuModel}, ${round(m.totalMemoryBytes / 1024 ** 3, 1)} GiB, Node ${m.node}, ${m.platform} ${m.release}. ` +
      (options.only === 'boards'
        ? `Only the many-boards phases (--only boards). Load: ${results.driver.description}, ${options.connections} connections, `
        : `Load: ${results.driver.description}, ${options.connections} connections, ${results.updateScore.seconds} s after ${options.warmup} s warm-up, ` +
          `${options.users} users, `) +
      `one fresh action_id per request; server NODE_ENV=production LOG_LEVEL=warn, ` +
      `rate limits ${results.server.rateLimitPerMin}/min, ${where}. Load generator, server(s), databases and baseline share this machine.`,
    '',
    `Load average (1/5/15 min) at the start ${m.loadAverage.start.join(' / ')}, at the end ${m.loadAverage.end.join(' / ')}` +
      ((m.loadAverage.start[0] ?? 0) > m.cpuCount / 2
        ? ': **other work was running on this machine when the run started; the figures are not clean.**'
        : ' (the run itself raises the one at the end).'),
    '',
    markdownTable(results.targets),
    '',
  ];
  if (results.fanout) out.push(`Fan-out method: ${results.fanout.method}`, '');
  out.push(
    `CPU during each phase (% of one core; ${m.cpuCount} cores in all): ${Object.entries(results.cpu)
      .map(([phase, c]) => {
        const parts = [`server ${c.serverPct ?? '?'}%`, `benchmark process ${c.benchPct}%`];
        if (c.loadGeneratorPct !== null) parts.push(`load generator ${c.loadGeneratorPct}%`);
        for (const [name, pct] of Object.entries(c.others)) parts.push(`${name} ${pct ?? '?'}%`);
        return `${phase}: ${parts.join(', ')}`;
      })
      .join('; ')}`,
    '',
  );
  const commits = [
    ['Scoreboard', results.updateScore],
    ['(b) two instances', pg?.nginx.measured],
  ] as const;
  const batches = commits
    .filter(([, r]) => r?.commits)
    .map(
      ([name, r]) =>
        `${results.mode === 'postgres' && name === 'Scoreboard' ? '(a) one instance' : name}: ` +
        `${r!.commits!.batches} batches, ${r!.commits!.meanBatchSize} updates each, ${r!.commits!.meanCommitMs} ms per commit`,
    );
  if (batches.length)
    out.push(`Group commit during the measured runs (from /metrics): ${batches.join('; ')}`, '');
  out.push('Self-verification:');
  for (const check of results.verification.checks)
    out.push(`- [${check.passed ? 'x' : ' '}] ${check.name}: ${check.detail}`);
  out.push(
    '',
    `Verification ${results.verification.passed ? 'PASSED' : 'FAILED'}; results written to ${options.out}`,
  );
  if (results.profile) out.push('', profileText(results.profile));
  return out.join('\n');
}

/** The results as the repository's Prettier writes JSON (so `npm run lint` passes), or plain JSON. */
async function formatJson(value: unknown, file: string): Promise<string> {
  const json = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    return await prettier.format(json, { ...(await prettier.resolveConfig(file)), parser: 'json' });
  } catch {
    return json; // prettier is a devDependency: without it the file is plain JSON
  }
}

function emptyHttp(target: string, driver: HttpLoadResult['driver']): HttpLoadResult {
  return {
    target,
    driver,
    seconds: 0,
    connections: 0,
    responses: 0,
    requestsPerSec: 0,
    latencyMs: { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 },
    statusCodes: {},
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    mismatches: 0,
    settled: { inFlight: 0, replayed200: 0, replayedOther: {} },
    accepted: 0,
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
