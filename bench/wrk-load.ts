import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  settleInFlight,
  SUCCESS_BODY,
  type HttpLoadResult,
  type LoadOptions,
  type WrkCounters,
} from './http-load.js';
import { runCommand, type CommandOutput } from './run-command.js';
import { round } from './stats.js';
import type { UpdateBody } from './workload.js';
import { wrkGetScript, type WrkGetTarget } from './wrk-get-script.js';
import { WRK_RESULT_MARK, wrkScript } from './wrk-script.js';

/** The `wrk` executable on PATH, or undefined. */
export function findWrk(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'wrk');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** wrk's version line (`wrk debian/4.1.0-3+b2 [epoll] ...`), for the report. */
export function wrkVersion(wrk: string): string {
  const out = spawnSync(wrk, ['-v'], { encoding: 'utf8' });
  return /^wrk \S+/.exec(`${out.stdout}${out.stderr}`.trim())?.[0] ?? 'wrk (unknown version)';
}

/** What the script prints from `done()`. */
interface ScriptResult {
  statuses: Record<string, number>;
  inflight: UpdateBody[];
  mismatches: number;
  untracked: number;
  probes: number;
  issued: number;
  maxScore: number;
  requests: number;
  durationUs: number;
  /** Thread → the `n` of each update answered 200 (ackLog). */
  acked: Record<string, number[]>;
  /** Latencies of the updates sent inside the timing window, in ms. */
  timed: number[];
}

/** What wrk's own report (with --latency) says. */
export interface WrkReport extends Omit<WrkCounters, 'untracked'> {
  requestsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `204.00us`, `1.65ms`, `1.02s`, `2.00m` → milliseconds (NaN when unreadable). */
export function wrkTimeMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : Number.NaN;
}

/** Parses wrk's text report: requests/s, the latency line and distribution, and the errors. */
export function parseWrkReport(text: string): WrkReport {
  const number = (pattern: RegExp, fallback = 0) => {
    const match = pattern.exec(text);
    return match ? Number(match[1]) : fallback;
  };
  const time = (pattern: RegExp) => round(wrkTimeMs(pattern.exec(text)?.[1] ?? '') || 0, 3);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requestsPerSec: round(number(/Requests\/sec:\s+([\d.]+)/)),
    requests: number(/^\s*(\d+) requests in /m),
    latencyMs: {
      mean: time(/^\s*Latency\s+(\S+)/m),
      p50: time(/^\s*50%\s+(\S+)/m),
      p90: time(/^\s*90%\s+(\S+)/m),
      p99: time(/^\s*99%\s+(\S+)/m),
      max: time(/^\s*Latency\s+\S+\s+\S+\s+(\S+)/m),
    },
    socketErrors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
    non2xxOr3xx: number(/Non-2xx or 3xx responses:\s+(\d+)/),
  };
}

/**
 * Drives `POST /update-score` with wrk (`-t threads -c connections -d seconds --latency`) and
 * a generated Lua script (bench/wrk-script.ts). wrk takes whole seconds, so `seconds` is
 * rounded (at least 1). Scores continue from the workload's counter, which is moved past the
 * highest score sent; the updates still in flight at the cut-off are settled as with
 * autocannon. wrk runs in its own process, so this process stays idle during the run.
 */
export async function runWrkLoad(
  wrk: string,
  options: LoadOptions & { threads: number },
): Promise<HttpLoadResult> {
  const seconds = Math.max(1, Math.round(options.seconds));
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-wrk-'));
  const prefix = `bench-${options.workload.runId}-w${randomBytes(3).toString('hex')}`;
  const { record } = options;
  let run: CommandOutput;
  try {
    const script = join(dir, 'update-score.lua');
    writeFileSync(
      script,
      wrkScript({
        token: options.token,
        users: options.workload.users,
        threads,
        base: options.workload.issued,
        prefix,
        track: options.settleInFlight,
        successBody: SUCCESS_BODY,
        pick: options.pick,
        ...(options.trpc ? { path: '/trpc/scores.update', successContains: '"applied":true' } : {}),
        ...(options.path ? { path: options.path } : {}),
        ...(record ? { ackLog: true, timing: { fromMs: record.fromMs, toMs: record.toMs } } : {}),
      }),
    );
    const args = ['-t', String(threads), '-c', String(options.connections), '-d', `${seconds}s`];
    run = await runCommand(wrk, [...args, '--timeout', '10s', '--latency', '-s', script, options.url]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const line = run.stdout.split('\n').find((l) => l.startsWith(WRK_RESULT_MARK));
  if (run.code !== 0 || !line) {
    throw new Error(`wrk failed (exit code ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  const script = JSON.parse(line.slice(WRK_RESULT_MARK.length)) as ScriptResult;
  const report = parseWrkReport(run.stdout);
  options.workload.advanceTo(script.maxScore);

  if (record) {
    for (const [thread, list] of Object.entries(script.acked))
      for (const n of list) record.acked.push(`${prefix}-${thread}-${n}`);
    record.latenciesMs.push(...script.timed);
  }
  const settled = options.settleInFlight
    ? await settleInFlight(
        options.url,
        options.token,
        script.inflight,
        (body, status) => {
          if (status === 200) record?.acked.push(body.action_id);
        },
        options.path,
      )
    : { inFlight: script.inflight.length, replayed200: 0, replayedOther: {} };
  const count = (ok: (status: number) => boolean) =>
    Object.entries(script.statuses).reduce((sum, [status, n]) => sum + (ok(Number(status)) ? n : 0), 0);
  const { socketErrors } = report;
  return {
    target: options.title,
    driver: 'wrk',
    seconds,
    connections: options.connections,
    responses: count(() => true),
    requestsPerSec: report.requestsPerSec,
    latencyMs: report.latencyMs,
    statusCodes: script.statuses,
    non2xx: count((status) => status < 200 || status > 299),
    errors: socketErrors.connect + socketErrors.read + socketErrors.write,
    timeouts: socketErrors.timeout,
    mismatches: script.mismatches,
    settled,
    accepted: count((status) => status === 200) + settled.replayed200,
    wrk: {
      requests: report.requests - script.probes,
      socketErrors,
      non2xxOr3xx: report.non2xxOr3xx,
      untracked: script.untracked,
    },
  };
}

/** One wrk run of GETs (bench/wrk-get-script.ts): requests/s, latency, statuses, errors. */
export interface WrkGetResult {
  target: string;
  seconds: number;
  connections: number;
  responses: number;
  requestsPerSec: number;
  latencyMs: WrkReport['latencyMs'];
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Rank answers (200) that did not name the user asked for. */
  mismatches: number;
}

/** Drives GETs of `target` with wrk, as `runWrkLoad` drives updates. */
export async function runWrkGet(
  wrk: string,
  options: {
    url: string;
    target: WrkGetTarget;
    seconds: number;
    connections: number;
    threads: number;
    title: string;
  },
): Promise<WrkGetResult> {
  const seconds = Math.max(1, Math.round(options.seconds));
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-wrk-'));
  let run: CommandOutput;
  try {
    const script = join(dir, 'get.lua');
    writeFileSync(script, wrkGetScript(options.target));
    const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${seconds}s`];
    run = await runCommand(wrk, [...args, '--timeout', '10s', '--latency', '-s', script, options.url]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const line = run.stdout.split('\n').find((l) => l.startsWith(WRK_RESULT_MARK));
  if (run.code !== 0 || !line)
    throw new Error(`wrk failed (exit code ${run.code}):\n${run.stdout}\n${run.stderr}`);
  const script = JSON.parse(line.slice(WRK_RESULT_MARK.length)) as {
    statuses: Record<string, number>;
    mismatches: number;
    requests: number;
  };
  const report = parseWrkReport(run.stdout);
  const { socketErrors } = report;
  const responses = Object.values(script.statuses).reduce((sum, n) => sum + n, 0);
  return {
    target: options.title,
    seconds,
    connections: options.connections,
    responses,
    requestsPerSec: report.requestsPerSec,
    latencyMs: report.latencyMs,
    statusCodes: script.statuses,
    non2xx: responses - (script.statuses['200'] ?? 0),
    errors: socketErrors.connect + socketErrors.read + socketErrors.write,
    timeouts: socketErrors.timeout,
    mismatches: script.mismatches,
  };
}
