import autocannon from 'autocannon';
import type { CommitStats } from './commit-stats.js';
import type { UpdateBody, Workload } from './workload.js';
import { round } from './stats.js';

export const SUCCESS_BODY = JSON.stringify({ status: 'success', message: 'Score updated successfully' });

/** The program that generated the load: wrk (C, a process of its own) or autocannon (in this process). */
export type LoadDriver = 'wrk' | 'autocannon';

/** One load run against `POST /update-score` (same shape for both drivers). */
export interface HttpLoadResult {
  target: string;
  driver: LoadDriver;
  seconds: number;
  connections: number;
  /** Responses received. */
  responses: number;
  /** wrk: responses / run time; autocannon: the mean of its per-second request counts. */
  requestsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 200 responses whose body was not the literal success body. */
  mismatches: number;
  /**
   * Requests still in flight when the run stopped (wrk and autocannon drop their responses):
   * each was sent again with the same body, which the server answers 200 whether the
   * original committed (an idempotent replay) or never arrived.
   */
  settled: Settled;
  /** Distinct action_ids answered 200 (run plus settled in-flight ones). */
  accepted: number;
  /** wrk's own counters, from its report (wrk runs only). */
  wrk?: WrkCounters;
  /** The servers' group commit during the run, from their /metrics (measured runs only). */
  commits?: CommitStats;
}

export interface Settled {
  inFlight: number;
  replayed200: number;
  replayedOther: Record<string, number>;
}

/** What wrk's text report says, beside the script's own counts. */
export interface WrkCounters {
  /** Responses wrk counted ("N requests in ..."): must equal the script's count. */
  requests: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** wrk's "Non-2xx or 3xx responses" (status 400 and above). */
  non2xxOr3xx: number;
  /** Answers that named no update in flight (an unechoed x-request-id): must be 0. */
  untracked: number;
}

interface Context {
  body?: UpdateBody;
}

async function postUpdate(url: string, token: string, body: UpdateBody, path: string): Promise<number> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Sends each update left in flight again (to `path`, default `/update-score`), one after
 * another, and counts the answers.
 */
export async function settleInFlight(
  url: string,
  token: string,
  bodies: Iterable<UpdateBody>,
  answered: (body: UpdateBody, status: number) => void = () => {},
  path = '/update-score',
): Promise<Settled> {
  const settled: Settled = { inFlight: 0, replayed200: 0, replayedOther: {} };
  for (const body of bodies) {
    settled.inFlight++;
    const status = await postUpdate(url, token, body, path).catch(() => 0);
    answered(body, status);
    if (status === 200) settled.replayed200++;
    else settled.replayedOther[String(status)] = (settled.replayedOther[String(status)] ?? 0) + 1;
  }
  return settled;
}

/** What a load run needs, whichever driver runs it. */
export interface LoadOptions {
  url: string;
  token: string;
  workload: Workload;
  seconds: number;
  connections: number;
  title: string;
  /** Re-send requests left in flight (for a server with a ledger; not for the bare one). */
  settleInFlight: boolean;
  /** Which users the updates go to (wrk only for `random-seed`; see bench/wrk-script.ts). */
  pick?: 'round-robin' | 'random-seed';
  /** tRPC's `scores.update` instead of `POST /update-score` (wrk only). */
  trpc?: boolean;
  /** Another route taking the same bodies and answers, e.g. `/boards/{board}/scores` (wrk only). */
  path?: string;
  /**
   * Fills `acked` with the action_id of every update answered 200 (in-flight ones settled
   * included) and `latenciesMs` with the latency of each update sent from `fromMs` to `toMs`
   * (epoch ms) (wrk only).
   */
  record?: { acked: string[]; latenciesMs: number[]; fromMs: number; toMs: number };
}

/**
 * Drives `POST /update-score` with autocannon for `seconds`: every request carries a fresh
 * body from `workload` (setupRequest), and every answer is matched to its body (onResponse,
 * one request in flight per connection), so in-flight requests at the cut-off are known.
 */
export async function runHttpLoad(options: LoadOptions): Promise<HttpLoadResult> {
  if (options.pick === 'random-seed' || options.trpc || options.path || options.record)
    throw new Error('this run needs wrk');
  const inFlight = new Map<string, UpdateBody>();
  let ok200 = 0;
  let mismatches = 0;
  const result = await autocannon({
    url: options.url,
    title: options.title,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/update-score',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${options.token}`,
        },
        setupRequest: (request, context) => {
          const body = options.workload.next();
          (context as Context).body = body;
          inFlight.set(body.action_id, body);
          return { ...request, body: JSON.stringify(body) };
        },
        onResponse: (status, text, context) => {
          const body = (context as Context).body;
          if (body) {
            inFlight.delete(body.action_id);
            options.workload.done(body);
          }
          if (status === 200) ok200++;
          if (status === 200 && text !== SUCCESS_BODY) mismatches++;
        },
      },
    ],
  });

  const settled = options.settleInFlight
    ? await settleInFlight(options.url, options.token, [...inFlight.values()], (body) =>
        options.workload.done(body),
      )
    : { inFlight: inFlight.size, replayed200: 0, replayedOther: {} };

  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats as Record<string, { count: number }>).map(([code, s]) => [
      code,
      s.count,
    ]),
  );
  return {
    target: options.title,
    driver: 'autocannon',
    seconds: options.seconds,
    connections: options.connections,
    responses: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    requestsPerSec: round(result.requests.average),
    latencyMs: {
      mean: round(result.latency.mean),
      p50: round(result.latency.p50),
      p90: round(result.latency.p90),
      p99: round(result.latency.p99),
      max: round(result.latency.max),
    },
    statusCodes,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches,
    settled,
    accepted: ok200 + settled.replayed200,
  };
}
