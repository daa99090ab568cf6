import type { ServerResponse } from 'node:http';
import type { Refusal } from '../domain/refusal.js';

/** Sends a JSON body with the given status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Sends `{"status":"error","message":...}`, with Retry-After for 429. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  const headers: Record<string, string> = {};
  if (refusal.retryAfter !== undefined) headers['retry-after'] = String(refusal.retryAfter);
  sendJson(res, refusal.status, { status: 'error', message: refusal.message }, headers);
}
