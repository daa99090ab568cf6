import type { IncomingMessage } from 'node:http';

/**
 * Whether a request's Origin is acceptable, for CORS and for WebSocket upgrades alike: no
 * Origin (not a browser), the server's own origin, or one listed in ALLOWED_ORIGINS (`*`
 * allows any).
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
