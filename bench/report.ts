import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { ProfileSummary } from './cpu-profile.js';
import type { PhaseCpu } from './cpu.js';
import type { FanoutResult } from './fanout.js';
import type { HttpLoadResult, LoadDriver } from './http-load.js';
import type { BenchOptions } from './options.js';
import { errorCounts, ms, rate } from './format.js';
import type { PostgresResults, ServerExit } from './outcome.js';
import { postgresRows } from './postgres-report.js';
import { depthRows, sdkRows, typedRows } from './report-rows.js';
import type { SdkLoadResult } from './sdk-load.js';
import type { TypedResults } from './typed-phase.js';
import type { DepthResults } from './depth-phase.js';
import type { BoardsResults } from './boards-phase.js';
import { boardsRows } from './boards-report.js';
import type { SoakResult } from './soak.js';
import { round } from './stats.js';

/** One row of the summary: a measured value against the issue's target, if it sets one. */
export interface TargetRow {
  metric: string;
  value: string;
  target: string;
  /** Whether the target is met; null when the row has no target or was not measured. */
  met: boolean | null;
}

/** One self-verification check; any failure makes the run exit non-zero. */
export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  /** `sqlite` (the default), or `postgres` (--database: PostgreSQL + Redis, nginx, pgbench). */
  mode: 'sqlite' | 'postgres';
  /** The load generator of every `POST /update-score` run (the baseline's too). */
  driver: { name: LoadDriver; description: string };
  options: BenchOptions;
  machine: {
    cpuModel: string;
    cpuCount: number;
    totalMemoryBytes: number;
    node: string;
    platform: string;
    release: string;
    arch: string;
    /** 1, 5 and 15 minute load averages when the run started and ended (others' work shows here). */
    loadAverage: { start: number[]; end: number[] };
  };
  /** `exit` is the first server's; `exits` lists every server process of the run. */
  server: {
    rateLimitPerMin: number;
    exit: { code: number | null; signal: string | null };
    exits: ServerExit[];
  };
  /** The bare node:http baseline; null with --only boards. */
  bare: HttpLoadResult | null;
  /** POST /update-score on Scoreboard: SQLite, or one instance on PostgreSQL + Redis. */
  updateScore: HttpLoadResult;
  /** POST /update-score requests/s divided by the bare node:http server's (the headline). */
  throughputRatio: number;
  /** The SDK's default transport (HTTP). */
  sdk: SdkLoadResult | null;
  /** The SDK with `calls: 'websocket'`. */
  sdkWebSocket: SdkLoadResult | null;
  /** tRPC over HTTP against the plain routes (SQLite mode with wrk). */
  typed: TypedResults | null;
  /** A seeded board (SQLite mode with --depth or --users ≥ 100,000). */
  depth: DepthResults | null;
  /** Many boards in one instance, and a past window (--boards, --past-rows). */
  boards: BoardsResults | null;
  fanout: FanoutResult | null;
  soak: SoakResult | { unavailable: string } | null;
  ledger: { before: number; after: number; newRows: number; accepted200: number };
  /** PostgreSQL mode: two instances behind nginx, pgbench, the settings; null on SQLite. */
  postgres: PostgresResults | null;
  /** CPU per phase, in % of one core: the server(s) under test, this process, wrk or pgbench, and the rest. */
  cpu: Record<string, PhaseCpu>;
  verification: { passed: boolean; checks: Check[] };
  targets: TargetRow[];
  profile: ProfileSummary | null;
  /** An error that stopped the run early, if any. */
  failure: string | null;
}

/** The machine, with the load average at the start of the run (`startLoad`) and now. */
export function machineInfo(startLoad: number[]): BenchResults['machine'] {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpuCount: list.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: platform(),
    release: release(),
    arch: arch(),
    loadAverage: { start: startLoad.map((v) => round(v)), end: loadavg().map((v) => round(v)) },
  };
}

const yes = (met: boolean | null) => (met === null ? '' : met ? 'yes' : '**no**');

/** The rows of the summary table, from the measured results. */
export function targetRows(r: Omit<BenchResults, 'targets' | 'verification'>): TargetRow[] {
  if (!r.bare) return r.boards ? boardsRows(r.boards) : []; // --only boards
  const rows: TargetRow[] = [
    { metric: 'bare node:http throughput', value: rate(r.bare.requestsPerSec), target: '', met: null },
    {
      metric: 'bare node:http latency p50 / p99',
      value: `${ms(r.bare.latencyMs.p50)} / ${ms(r.bare.latencyMs.p99)}`,
      target: '',
      met: null,
    },
    ...(r.postgres ? postgresRows(r, r.postgres) : sqliteRows(r)),
  ];
  if (r.typed) rows.push(...typedRows(r.updateScore, r.typed));
  rows.push(...sdkRows(r.updateScore, [r.sdk, r.sdkWebSocket]));
  if (r.depth) rows.push(...depthRows(r.depth));
  if (r.boards) rows.push(...boardsRows(r.boards));
  if (r.fanout) {
    const f = r.fanout;
    // The issue's target is for 1,000 subscribers at 1,000 updates/s; smaller runs are not judged.
    const atTargetSize = f.subscribers >= 1000 && f.targetRate >= 1000;
    const rateReached = f.achievedRate >= 0.95 * f.targetRate;
    const atRate = rateReached ? '' : ` (at ${Math.round(f.achievedRate)}/s, below the target rate)`;
    rows.push(
      {
        metric: 'fan-out subscribers / writes answered 200 per s',
        value: `${f.subscribers} / ${Math.round(f.achievedRate)} per s${f.notSent ? ` (${f.notSent} due writes not sent: server behind)` : ''}`,
        target: `${f.subscribers} / ${f.targetRate} per s`,
        met: rateReached,
      },
      {
        metric: 'fan-out delay p50 (commit → subscriber)',
        value: ms(f.delayFromCommitMs.p50),
        target: '',
        met: null,
      },
      {
        metric: 'fan-out delay p99 (commit → subscriber)',
        value: ms(f.delayFromCommitMs.p99) + atRate,
        target: atTargetSize ? '≤ 100 ms' : '≤ 100 ms at 1,000 subscribers and 1,000/s (not judged)',
        met: atTargetSize ? rateReached && f.delayFromCommitMs.p99 <= 100 : null,
      },
      {
        metric: 'fan-out delay p99 (send → subscriber, upper bound)',
        value: ms(f.delayFromSendMs.p99),
        target: '',
        met: null,
      },
      {
        metric: 'bench process event-loop delay p99 during fan-out (inflates the delays above)',
        value: ms(f.benchEventLoopDelayMs.p99),
        target: '',
        met: null,
      },
      {
        metric: 'fan-out missed deliveries / write errors / dropped subscribers',
        value: `${f.missed} / ${f.updateErrors} / ${f.subscribersClosedEarly}`,
        target: '0',
        met: f.missed + f.updateErrors + f.subscribersClosedEarly === 0,
      },
    );
  }
  if (r.soak && 'samples' in r.soak) {
    const s = r.soak;
    rows.push({
      metric: `server RSS over a ${s.seconds} s soak after ${s.warmupSeconds} s warm-up (first → last 5-sample means; min..max)`,
      value: `${s.firstMiB} → ${s.lastMiB} MiB (${s.minMiB}..${s.maxMiB}), growth ${s.growthPct}%`,
      target: 'flat within 10%',
      met: s.growthPct <= 10,
    });
  } else if (r.soak) {
    rows.push({ metric: 'server RSS soak', value: r.soak.unavailable, target: 'flat within 10%', met: null });
  } else {
    rows.push({
      metric: 'server RSS soak',
      value: 'not run (use --soak 60)',
      target: 'flat within 10%',
      met: null,
    });
  }
  rows.push({
    metric: 'new ledger rows vs 200 responses',
    value: `${r.ledger.newRows} vs ${r.ledger.accepted200}`,
    target: 'equal',
    met: r.ledger.newRows === r.ledger.accepted200,
  });
  if (r.postgres) {
    const { ledgerRows, warmup, measured } = r.postgres.pgbench;
    const transactions = (warmup?.transactions ?? 0) + (measured?.transactions ?? 0);
    rows.push({
      metric: 'pgbench ledger rows vs transactions (warm-up included)',
      value: `${ledgerRows ?? '?'} vs ${transactions}`,
      target: 'equal',
      met: ledgerRows === transactions,
    });
  }
  return rows;
}

function sqliteRows(r: Omit<BenchResults, 'targets' | 'verification'>): TargetRow[] {
  const u = r.updateScore;
  return [
    { metric: 'POST /update-score throughput', value: rate(u.requestsPerSec), target: '', met: null },
    {
      metric: '**POST /update-score vs bare node:http**',
      value: `**${r.throughputRatio.toFixed(3)}×**`,
      target: '≥ 0.5×',
      met: r.throughputRatio >= 0.5,
    },
    { metric: 'POST /update-score latency p50', value: ms(u.latencyMs.p50), target: '', met: null },
    {
      metric: `POST /update-score latency p99 (${u.connections} connections)`,
      value: ms(u.latencyMs.p99),
      target: u.connections >= 32 ? '≤ 10 ms' : '≤ 10 ms at 32 connections (not judged)',
      met: u.connections >= 32 ? u.latencyMs.p99 <= 10 : null,
    },
    {
      metric: 'POST /update-score non-2xx / errors / timeouts / body mismatches',
      ...errorCounts(u),
      target: '0',
    },
  ];
}

export function markdownTable(rows: TargetRow[]): string {
  const lines = ['| metric | value | target | met |', '| --- | --- | --- | --- |'];
  for (const row of rows)
    lines.push(`| ${row.metric} | ${row.value} | ${row.target || '—'} | ${yes(row.met)} |`);
  return lines.join('\n');
}

export function profileText(profile: ProfileSummary): string {
  const lines = [
    `CPU profile of the server's main thread: ${profile.file} (${round(profile.totalMs / 1000, 1)} s sampled, ` +
      `${round(profile.busyMs / 1000, 1)} s not idle; percentages are of the non-idle time over the server's whole life; ` +
      `samples are wall-clock, so time blocked in a synchronous call such as an fsync counts as that call's self time)`,
  ];
  lines.push('', '| self % | self ms | function |', '| --- | --- | --- |');
  for (const f of profile.topFunctions) lines.push(`| ${f.selfPct} | ${f.selfMs} | ${f.name} |`);
  lines.push('', '| self % | self ms | module |', '| --- | --- | --- |');
  for (const m of profile.topModules) lines.push(`| ${m.selfPct} | ${m.selfMs} | ${m.name} |`);
  return lines.join('\n');
}
