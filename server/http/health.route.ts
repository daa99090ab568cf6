import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson } from '../transport/respond.js';

/** What /healthz answers while the process is up. */
export const healthBodySchema = z.strictObject({ status: z.literal('ok') });

/** What /readyz answers while the database answers: ready, or degraded while Redis does not. */
export const readyBodySchema = z.union([
  z.strictObject({ status: z.literal('ready') }),
  z.strictObject({
    status: z.literal('degraded'),
    degraded: z.array(z.literal('redis')),
    message: z.string(),
  }),
]);
type ReadyBody = z.output<typeof readyBodySchema>;

/** What /readyz says while the database does not answer. */
export const DATABASE_DOWN = 'Database is not answering';

/** What /readyz says while Redis does not answer (the instance still serves every request). */
export const REDIS_DEGRADED = {
  status: 'degraded',
  degraded: ['redis'],
  message: 'Redis is not answering: rate limits are per instance and live changes follow the database',
} satisfies ReadyBody;

/** `GET /healthz`: the process is up. */
export function healthRoute(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' } satisfies z.output<typeof healthBodySchema>);
}

/**
 * `GET /readyz`: 503 while the database does not answer. A Redis that does not answer keeps
 * it 200, with a body that names it: every instance keeps serving on its fallbacks, so taking
 * them all out of a load balancer would turn a Redis outage into a total one.
 */
export function readyRoute(ping: () => Promise<void>, redisUp: () => boolean = () => true) {
  return async (res: ServerResponse): Promise<void> => {
    try {
      await ping();
    } catch {
      sendJson(res, 503, { status: 'error', message: DATABASE_DOWN });
      return;
    }
    sendJson(res, 200, (redisUp() ? { status: 'ready' } : REDIS_DEGRADED) satisfies ReadyBody);
  };
}
