import autocannon from 'autocannon';
import type { UpdateBody, Workload } from './workload.js';
import { round } from './stats.js';

export const SUCCESS_BODY = JSON.stringify({ status: 'success', message: 'Score updated successfully' });

/** One autocannon run against `POST /update-score`. */
export interface HttpLoadResult {
  target: string;
  seconds: number;
  connections: number;
  /** Responses received. */
  responses: number;
  /** Mean of autocannon's per-second request counts. */
  requestsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 200 responses whose body was not the literal success body. */
  mismatches: number;
  /**
   * Requests still in flight when the run stopped (autocannon drops their responses): each
   * was sent again with the same body, which the server answers 200 whether the original
   * committed (an idempotent replay) or never arrived.
   */
  settled: { inFlight: number; replayed200: number; replayedOther: Record<string, number> };
  /** Distinct action_ids answered 200 (run plus settled in-flight ones). */
  accepted: number;
}

interface Context {
  body?: UpdateBody;
}

async function postUpdate(url: string, token: string, body: UpdateBody): Promise<number> {
  const res = await fetch(`${url}/update-score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Drives `POST /update-score` with autocannon for `seconds`: every request carries a fresh
 * body from `workload` (setupRequest), and every answer is matched to its body (onResponse,
 * one request in flight per connection), so in-flight requests at the cut-off are known.
 */
export async function runHttpLoad(options: {
  url: string;
  token: string;
  workload: Workload;
  seconds: number;
  connections: number;
  title: string;
  /** Re-send requests left in flight (for a server with a ledger; not for the bare one). */
  settleInFlight: boolean;
}): Promise<HttpLoadResult> {
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

  const settled = { inFlight: inFlight.size, replayed200: 0, replayedOther: {} as Record<string, number> };
  if (options.settleInFlight) {
    for (const body of inFlight.values()) {
      const status = await postUpdate(options.url, options.token, body).catch(() => 0);
      options.workload.done(body);
      if (status === 200) settled.replayed200++;
      else settled.replayedOther[String(status)] = (settled.replayedOther[String(status)] ?? 0) + 1;
    }
  }

  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats as Record<string, { count: number }>).map(([code, s]) => [
      code,
      s.count,
    ]),
  );
  return {
    target: options.title,
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
