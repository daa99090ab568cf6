import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startBareServer, startScoreboard, type ChildServer } from './child.js';
import { summarizeCpuProfile, type ProfileSummary } from './cpu-profile.js';
import { runFanout, type FanoutResult } from './fanout.js';
import { runHttpLoad, type HttpLoadResult } from './http-load.js';
import { ledgerRows } from './ledger.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import {
  machineInfo,
  markdownTable,
  profileText,
  targetRows,
  type BenchResults,
  type Check,
} from './report.js';
import { runSdkLoad, type SdkLoadResult } from './sdk-load.js';
import { runSoak, type SoakResult } from './soak.js';
import { round } from './stats.js';
import { newSecret, serviceToken, Workload } from './workload.js';

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** CPU used during a phase, in % of one core: by the server under test and by this process. */
export interface PhaseCpu {
  seconds: number;
  serverPct: number | null;
  benchPct: number;
}
const cpuByPhase: Record<string, PhaseCpu> = {};

async function withCpu<T>(phase: string, server: ChildServer, run: () => Promise<T>): Promise<T> {
  const serverBefore = server.cpuSeconds();
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const serverAfter = server.cpuSeconds();
  const bench = process.cpuUsage(benchBefore);
  cpuByPhase[phase] = {
    seconds: round(seconds),
    serverPct:
      serverBefore === undefined || serverAfter === undefined
        ? null
        : round(((serverAfter - serverBefore) / seconds) * 100, 0),
    benchPct: round(((bench.user + bench.system) / 1e6 / seconds) * 100, 0),
  };
  return result;
}

async function loadWithWarmup(
  server: ChildServer,
  token: string,
  workload: Workload,
  options: BenchOptions,
  settleInFlight: boolean,
): Promise<{ warmup: HttpLoadResult | null; measured: HttpLoadResult }> {
  const run = (seconds: number, title: string) =>
    runHttpLoad({
      url: server.url,
      token,
      workload,
      seconds,
      connections: options.connections,
      title,
      settleInFlight,
    });
  let warmup: HttpLoadResult | null = null;
  if (options.warmup > 0) {
    progress(`${server.name}: ${options.warmup} s warm-up`);
    warmup = await run(options.warmup, `${server.name} warm-up`);
  }
  progress(`${server.name}: ${options.duration} s at ${options.connections} connections`);
  const measured = await withCpu(server.name, server, () => run(options.duration, server.name));
  return { warmup, measured };
}

const httpClean = (r: HttpLoadResult) =>
  r.non2xx === 0 &&
  r.errors === 0 &&
  r.timeouts === 0 &&
  r.mismatches === 0 &&
  Object.keys(r.settled.replayedOther).length === 0;
const httpDetail = (r: HttpLoadResult) =>
  `${r.responses} responses, status ${JSON.stringify(r.statusCodes)}, errors ${r.errors}, timeouts ${r.timeouts}, ` +
  `mismatches ${r.mismatches}, in flight at cut-off ${r.settled.inFlight} (replays: ${r.settled.replayed200} × 200` +
  `${Object.keys(r.settled.replayedOther).length ? `, others ${JSON.stringify(r.settled.replayedOther)}` : ''})`;

async function main(): Promise<number> {
  const parsed = parseOptions();
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parsed;
  const startedAt = new Date().toISOString();
  const secret = newSecret();
  const token = serviceToken(secret);
  const workDir = mkdtempSync(join(options.dbDir, 'scoreboard-bench-'));
  const databaseUrl = join(workDir, 'scoreboard.db');
  const cpuProfDir = options.cpuProf ? mkdtempSync(join(tmpdir(), 'scoreboard-cpuprof-')) : undefined;

  // 1. The baseline: a bare node:http server, same autocannon settings.
  const bareServer = await startBareServer();
  let bare: HttpLoadResult;
  try {
    bare = (await loadWithWarmup(bareServer, token, new Workload(options.users), options, false)).measured;
  } finally {
    await bareServer.stop();
  }

  // 2. Scoreboard in production mode on a fresh database.
  const workload = new Workload(options.users);
  const { server, rateLimitPerMin } = await startScoreboard({
    databaseUrl,
    secret,
    cpuProfDir,
    dbSync: options.dbSync,
  });
  const before = ledgerRows(databaseUrl);
  let warmup: HttpLoadResult | null = null;
  let updateScore: HttpLoadResult | undefined;
  let sdk: SdkLoadResult | null = null;
  let fanout: FanoutResult | null = null;
  let soak: SoakResult | { unavailable: string } | null = null;
  let failure: string | null = null;
  let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
  try {
    ({ warmup, measured: updateScore } = await loadWithWarmup(server, token, workload, options, true));
    if (options.sdkSeconds > 0) {
      progress(`client SDK: scores.update, ${options.sdkConcurrency} callers for ${options.sdkSeconds} s`);
      sdk = await withCpu('client SDK', server, () =>
        runSdkLoad({
          url: server.url,
          token,
          workload,
          seconds: options.sdkSeconds,
          concurrency: options.sdkConcurrency,
        }),
      );
    }
    if (options.subscribers > 0 && options.fanoutSeconds > 0 && options.fanoutRate > 0) {
      progress(
        `fan-out: ${options.subscribers} subscribers, ${options.fanoutRate} updates/s for ${options.fanoutSeconds} s`,
      );
      fanout = await withCpu('fan-out', server, () =>
        runFanout({
          url: server.url,
          token,
          subscribers: options.subscribers,
          batch: options.subscriberBatch,
          rate: options.fanoutRate,
          seconds: options.fanoutSeconds,
        }),
      );
    }
    if (options.soak > 0) {
      progress(`soak: ${options.soak} s at full load, sampling the server's RSS every second`);
      soak = await withCpu('soak', server, () =>
        runSoak({
          server,
          token,
          workload,
          seconds: options.soak,
          warmupSeconds: options.soakWarmup,
          connections: options.connections,
        }),
      );
    }
  } catch (error) {
    failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
    progress(`run failed: ${failure}\n--- server output ---\n${server.output()}`);
  } finally {
    const stopped = await server.stop();
    exit = { code: stopped.code, signal: stopped.signal };
  }
  const after = ledgerRows(databaseUrl);
  const profile: ProfileSummary | null = cpuProfDir ? (summarizeCpuProfile(cpuProfDir) ?? null) : null;
  rmSync(workDir, { recursive: true, force: true });

  // 3. Self-verification.
  const measured = updateScore ?? emptyHttp('Scoreboard');
  const soakLoad = soak && 'load' in soak ? soak.load : null;
  const accepted200 =
    (warmup?.accepted ?? 0) +
    measured.accepted +
    (sdk?.accepted ?? 0) +
    (fanout?.accepted ?? 0) +
    (soakLoad?.accepted ?? 0);
  const ledger = { before, after, newRows: after - before, accepted200 };
  const checks: Check[] = [
    { name: 'the run completed', passed: failure === null, detail: failure ?? 'every phase ran' },
    {
      name: 'new ledger rows equal accepted updates (200s)',
      passed: ledger.newRows === accepted200,
      detail: `${ledger.newRows} new rows (${before} → ${after}); ${accepted200} distinct action_ids answered 200`,
    },
    { name: 'bare server: no errors', passed: httpClean(bare), detail: httpDetail(bare) },
    ...(warmup
      ? [
          {
            name: 'POST /update-score warm-up: no errors',
            passed: httpClean(warmup),
            detail: httpDetail(warmup),
          },
        ]
      : []),
    { name: 'POST /update-score: no errors', passed: httpClean(measured), detail: httpDetail(measured) },
  ];
  if (sdk) {
    checks.push({
      name: 'client SDK: no errors, every call applied',
      passed: sdk.errors === 0 && sdk.notApplied === 0,
      detail: `${sdk.calls} calls, ${sdk.accepted} applied, ${sdk.notApplied} not applied, ${sdk.errors} errors ${sdk.firstErrors.join(' | ')}`,
    });
  }
  if (fanout) {
    checks.push({
      name: 'fan-out: every write 200 and delivered to every subscriber',
      passed:
        fanout.updateErrors === 0 &&
        fanout.missed === 0 &&
        fanout.subscriberErrors === 0 &&
        fanout.subscribersClosedEarly === 0,
      detail:
        `${fanout.accepted}/${fanout.updatesSent} writes 200, ${fanout.delivered}/${fanout.expectedDeliveries} deliveries, ` +
        `${fanout.subscriberErrors} socket errors, ${fanout.subscribersClosedEarly} closed early` +
        (fanout.updateErrors
          ? `; failed writes ${JSON.stringify(fanout.updateErrorStatuses)}: ${fanout.updateErrorSamples.join(' | ')}`
          : ''),
    });
  }
  if (soakLoad)
    checks.push({ name: 'soak: no errors', passed: httpClean(soakLoad), detail: httpDetail(soakLoad) });
  checks.push({
    name: 'server shut down cleanly on SIGTERM',
    passed: exit.code === 0,
    detail: `exit code ${exit.code}, signal ${exit.signal}`,
  });
  const passed = checks.every((check) => check.passed);

  const partial = {
    schema: 1 as const,
    startedAt,
    finishedAt: new Date().toISOString(),
    options,
    machine: machineInfo(),
    server: { rateLimitPerMin, exit },
    bare,
    updateScore: measured,
    throughputRatio: bare.requestsPerSec ? round(measured.requestsPerSec / bare.requestsPerSec, 3) : 0,
    sdk,
    fanout,
    soak,
    ledger,
    cpu: cpuByPhase,
    profile,
    failure,
  };
  const results: BenchResults = {
    ...partial,
    verification: { passed, checks },
    targets: targetRows(partial),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);

  // 4. The report.
  const m = results.machine;
  const out: string[] = [
    `## Scoreboard benchmark (${startedAt})`,
    '',
    `Machine: ${m.cpuCount} × ${m.cpuModel}, ${round(m.totalMemoryBytes / 1024 ** 3, 1)} GiB, Node ${m.node}, ${m.platform} ${m.release}. ` +
      `Load: autocannon, ${options.connections} connections, ${options.duration} s after ${options.warmup} s warm-up, ` +
      `${options.users} users, one fresh action_id per request; server NODE_ENV=production LOG_LEVEL=warn, ` +
      `rate limits ${rateLimitPerMin}/min, database in ${options.dbDir} (DB_SYNCHRONOUS=${options.dbSync}). Load generator, server and baseline share this machine.`,
    '',
    markdownTable(results.targets),
    '',
  ];
  if (fanout) out.push(`Fan-out method: ${fanout.method}`, '');
  out.push(
    `CPU during each phase (% of one core; ${m.cpuCount} cores in all): ` +
      Object.entries(cpuByPhase)
        .map(([phase, c]) => `${phase}: server ${c.serverPct ?? '?'}%, benchmark process ${c.benchPct}%`)
        .join('; '),
    '',
    'Self-verification:',
  );
  for (const check of checks) out.push(`- [${check.passed ? 'x' : ' '}] ${check.name}: ${check.detail}`);
  out.push('', `Verification ${passed ? 'PASSED' : 'FAILED'}; results written to ${options.out}`);
  if (profile) out.push('', profileText(profile));
  process.stdout.write(`${out.join('\n')}\n`);
  return passed ? 0 : 1;
}

function emptyHttp(target: string): HttpLoadResult {
  return {
    target,
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
