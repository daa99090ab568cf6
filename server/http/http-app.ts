import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { AppServices } from '../app-services.js';
import { refuse } from '../scores/refusal.js';
import { createHttpContext } from '../trpc/context.js';
import { appRouter } from '../trpc/routers/_app.js';
import { healthRoute, readyRoute } from './health.route.js';
import { BODY_LIMIT_BYTES } from './json-body.js';
import { leaderboardRoute } from './leaderboard.route.js';
import { sendJson, sendRefusal } from './respond.js';
import { updateScoreRoute } from './update-score.route.js';
import { Authenticator } from '../auth/authenticator.js';
import { clientIp, requestUrl } from './request-meta.js';

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** Extra routes mounted by later layers (the page, metrics). */
export type ExtraRoutes = Record<string, Partial<Record<'GET' | 'POST', Route>>>;

/** The single request listener: REST routes, then tRPC under `/trpc`. */
export function createHttpApp(services: AppServices, extra: ExtraRoutes = {}): RequestListener {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: BODY_LIMIT_BYTES,
    createContext: ({ req }) => createHttpContext(services, req),
    onError: ({ error, path, req, ctx }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        services.logger.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
      } else if (path === 'scores.update' && error.code === 'PAYLOAD_TOO_LARGE') {
        // Refused by the adapter before any procedure ran, so it is recorded here.
        services.scores
          .refuseRequest(refuse('payload_too_large', error.message.slice(0, 200)), {
            subject: Authenticator.unverifiedSubject(req.headers.authorization),
            ip: clientIp(req),
            userId: null,
            requestId: ctx?.requestId,
          })
          .catch((err: unknown) => services.logger.error({ err }, 'could not record a refusal'));
      }
    },
  });

  const routes: ExtraRoutes = {
    '/update-score': { POST: (req, res) => updateScoreRoute(services, req, res) },
    '/leaderboard': { GET: (_req, res, url) => leaderboardRoute(services, url, res) },
    '/healthz': { GET: (_req, res) => healthRoute(res) },
    '/readyz': { GET: (_req, res) => readyRoute(services, res) },
    ...extra,
  };

  return (req, res) => {
    const url = requestUrl(req);
    if (!url) return sendJson(res, 400, { status: 'error', message: 'Malformed request target' });
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) return trpc(req, res);
    const route = routes[url.pathname];
    if (!route) return sendJson(res, 404, { status: 'error', message: 'Not found' });
    const handler = route[req.method as 'GET' | 'POST'];
    if (!handler) {
      return sendJson(
        res,
        405,
        { status: 'error', message: `Method ${req.method} is not allowed here` },
        {
          allow: Object.keys(route).join(', '),
        },
      );
    }
    Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
      services.logger.error({ err: error, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendRefusal(res, refuse('unavailable', 'The request could not be completed'));
      else res.destroy();
    });
  };
}
