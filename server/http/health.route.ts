import type { ServerResponse } from 'node:http';
import type { AppServices } from '../app-services.js';
import { sendJson } from './respond.js';

/** `GET /healthz`: the process is up. */
export function healthRoute(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** `GET /readyz`: the database answers (503 otherwise). */
export async function readyRoute(services: AppServices, res: ServerResponse): Promise<void> {
  try {
    await services.storage.ping();
    sendJson(res, 200, { status: 'ready' });
  } catch {
    sendJson(res, 503, { status: 'error', message: 'Database is not answering' });
  }
}
