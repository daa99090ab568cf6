import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket upgrade's Origin is acceptable: no Origin (not a browser), the page's
 * own origin, or one listed in WS_ALLOWED_ORIGINS (`*` allows any).
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
