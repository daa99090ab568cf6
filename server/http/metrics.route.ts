import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.js';
import { bearerCredential } from '../auth/bearer.js';
import { sendJson } from '../transport/respond.js';

// Digests first, so neither the content nor the length of the token leaks through timing.
const digest = (value: string) => createHash('sha256').update(value).digest();

function tokenMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** What /metrics answers without the token it needs. */
export const METRICS_UNAUTHORIZED = 'Metrics need the METRICS_TOKEN bearer token';

/** `GET /metrics`: Prometheus text format; behind `Bearer METRICS_TOKEN` when that is set. */
export function metricsRoute(metrics: Metrics, expected: string | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (expected && !tokenMatches(bearerCredential(req.headers.authorization), expected)) {
      return sendJson(res, 401, { status: 'error', message: METRICS_UNAUTHORIZED });
    }
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  };
}
