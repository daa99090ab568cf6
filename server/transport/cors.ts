import type { IncomingMessage, ServerResponse } from 'node:http';
import { originAllowed } from './origin-policy.js';
import { sendJson } from './respond.js';

/** Request headers a cross-origin caller may send (the SDK's and tRPC's). */
const ALLOWED_HEADERS = 'authorization, content-type, x-request-id, trpc-accept';
/** Response headers a cross-origin caller may read. */
const EXPOSED_HEADERS = 'retry-after, x-request-id';
/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';

/**
 * CORS for browser callers on other origins (a game site calling its API host). Origins in
 * ALLOWED_ORIGINS (the same list the WebSocket upgrade checks) get CORS headers; the server's
 * own origin never needs them. A preflight (OPTIONS) is answered here: 204 for an allowed
 * origin, 403 otherwise. Returns true when the request was answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  const isPreflight = req.method === 'OPTIONS';
  if (origin === undefined) {
    if (!isPreflight) return false;
    sendJson(res, 204, '', { allow: 'GET, POST, OPTIONS' });
    return true;
  }
  const ok = originAllowed(req, allowed);
  if (ok) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  res.setHeader('vary', 'origin');
  if (!isPreflight) return false;
  if (!ok) {
    sendJson(res, 403, {
      status: 'error',
      message: `Origin ${origin.slice(0, 200)} is not allowed (see ALLOWED_ORIGINS)`,
    });
    return true;
  }
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': PREFLIGHT_MAX_AGE,
    'content-length': '0',
  });
  res.end();
  return true;
}
