import type { DepthResults } from './depth-phase.js';
import { DEPTH_TARGET_USERS } from './depth-phase.js';
import { ms, rate } from './format.js';
import type { HttpLoadResult } from './http-load.js';
import type { TargetRow } from './report.js';
import type { SdkLoadResult } from './sdk-load.js';
import { round } from './stats.js';
import type { TypedResults } from './typed-phase.js';
import type { WrkGetResult } from './wrk-load.js';

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : 0);
const errors = (r: { non2xx: number; errors: number; timeouts: number; mismatches: number }) =>
  r.non2xx + r.errors + r.timeouts + r.mismatches;
const countsOf = (r: { non2xx: number; errors: number; timeouts: number; mismatches: number }) =>
  `${r.non2xx} / ${r.errors} / ${r.timeouts} / ${r.mismatches}`;

/** The SDK's calls per second over each transport, against plain `POST /update-score` in the same run. */
export function sdkRows(plain: HttpLoadResult, runs: (SdkLoadResult | null)[]): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const sdk of runs) {
    if (!sdk) continue;
    const overSocket = sdk.transport === 'websocket';
    const how = overSocket ? "over its WebSocket (calls: 'websocket')" : 'over HTTP (the default)';
    const r = ratio(sdk.callsPerSec, plain.requestsPerSec);
    rows.push(
      {
        metric: `SDK scores.update ${how}, ${sdk.concurrency} callers in the bench process`,
        value: `${rate(sdk.callsPerSec, 'calls/s')} (${r.toFixed(3)}× plain POST)`,
        target: overSocket ? '≥ 0.5× plain POST' : '',
        met: overSocket ? r >= 0.5 : null,
      },
      {
        metric: `SDK ${how}: latency p50 / p99, errors`,
        value: `${ms(sdk.latencyMs.p50)} / ${ms(sdk.latencyMs.p99)}, ${sdk.errors}`,
        target: '0 errors',
        met: sdk.errors === 0,
      },
    );
  }
  return rows;
}

/** tRPC over HTTP against the plain routes, same run and settings. */
export function typedRows(plain: HttpLoadResult, t: TypedResults): TargetRow[] {
  if (t.unavailable)
    return [{ metric: 'tRPC over HTTP vs plain routes', value: t.unavailable, target: '', met: null }];
  const rows: TargetRow[] = [];
  const pair = (name: string, typed: HttpLoadResult | WrkGetResult, base: HttpLoadResult | WrkGetResult) => {
    const r = ratio(typed.requestsPerSec, base.requestsPerSec);
    rows.push(
      {
        metric: `**${name}**`,
        value: `**${r.toFixed(3)}×** (${rate(typed.requestsPerSec)} vs ${rate(base.requestsPerSec)})`,
        target: '≥ 0.8×',
        met: r >= 0.8,
      },
      {
        metric: `${name.split(' vs ')[0]}: p99; non-2xx / errors / timeouts / mismatches`,
        value: `${ms(typed.latencyMs.p99)}; ${countsOf(typed)}`,
        target: '≤ 10 ms; 0',
        met: typed.latencyMs.p99 <= 10 && errors(typed) === 0,
      },
    );
  };
  if (t.trpcUpdate) pair('tRPC scores.update vs POST /update-score', t.trpcUpdate, plain);
  if (t.trpcTop && t.plainTop)
    pair('tRPC leaderboard.top vs GET /leaderboard?limit=10', t.trpcTop, t.plainTop);
  return rows;
}

/** The seeded board: judged against the issue's targets only at 1,000,000 users or more. */
export function depthRows(d: DepthResults): TargetRow[] {
  const judged = d.users >= DEPTH_TARGET_USERS;
  const users = d.users.toLocaleString('en-US');
  const target = (text: string) => (judged ? text : `${text} at 1,000,000 users (not judged)`);
  const met = (ok: boolean) => (judged ? ok : null);
  const rows: TargetRow[] = [
    {
      metric: `depth: npm run seed -- --users ${users}`,
      value: `${d.seedSeconds} s`,
      target: target('< 180 s'),
      met: met(d.seedSeconds < 180),
    },
    {
      metric: `depth: server start with ${users} users (spawn → healthy)`,
      value: `${d.startSeconds} s`,
      target: target('< 20 s'),
      met: met(d.startSeconds < 20),
    },
    {
      metric: 'depth: server RSS at start / after the depth runs / peak over the whole run',
      value: `${d.rssMB.atStart ?? '?'} / ${d.rssMB.afterDepth ?? '?'} / ${d.rssMB.peak ?? '?'} MB${
        d.rssMB.peakPhase ? ` (peak in ${d.rssMB.peakPhase})` : ''
      }`,
      target: target('≤ 700 MB'),
      met: d.rssMB.peak === null ? null : met(d.rssMB.peak <= 700),
    },
  ];
  if (d.unavailable) {
    rows.push({
      metric: 'depth: rank lookups and random-user updates',
      value: d.unavailable,
      target: '',
      met: null,
    });
    return rows;
  }
  if (d.rank && d.healthz) {
    const r = ratio(d.rank.requestsPerSec, d.healthz.requestsPerSec);
    rows.push(
      {
        metric: '**depth: GET /leaderboard/users/{random} vs GET /healthz**',
        value: `**${r.toFixed(3)}×** (${rate(d.rank.requestsPerSec)} vs ${rate(d.healthz.requestsPerSec)})`,
        target: target('≥ 0.3×'),
        met: met(r >= 0.3),
      },
      {
        metric: 'depth: GET /leaderboard/users/{random} p99; non-2xx / errors / timeouts / wrong user',
        value: `${ms(d.rank.latencyMs.p99)}; ${countsOf(d.rank)}`,
        target: target('≤ 10 ms; 0'),
        met: met(d.rank.latencyMs.p99 <= 10 && errors(d.rank) === 0),
      },
    );
  }
  if (d.update) {
    rows.push(
      {
        metric: '**depth: POST /update-score for random seeded users**',
        value: `**${rate(d.update.requestsPerSec)}**`,
        target: target('≥ 5,000 req/s'),
        met: met(d.update.requestsPerSec >= 5000),
      },
      {
        metric: 'depth: POST random users p99; non-2xx / errors / timeouts / mismatches',
        value: `${ms(d.update.latencyMs.p99)}; ${countsOf(d.update)}`,
        target: target('≤ 20 ms; 0'),
        met: met(d.update.latencyMs.p99 <= 20 && errors(d.update) === 0),
      },
    );
  }
  return rows;
}
