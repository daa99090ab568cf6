import type { ServerResponse } from 'node:http';
import { sendJson } from '../transport/respond.js';

/** `GET /healthz`: the process is up. */
export function healthRoute(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** `GET /readyz`: the database answers (503 otherwise). */
export function readyRoute(ping: () => Promise<void>) {
  return async (res: ServerResponse): Promise<void> => {
    try {
      await ping();
      sendJson(res, 200, { status: 'ready' });
    } catch {
      sendJson(res, 503, { status: 'error', message: 'Database is not answering' });
    }
  };
}
