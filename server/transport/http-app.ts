import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { refuse } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { Logger } from '../observability/logger.js';
import type { ClientIpResolver } from './client-ip.js';
import { applyCors } from './cors.js';
import { requestIdOf, requestUrl } from './request-meta.js';
import { sendJson, sendRefusal } from './respond.js';

/** What a route gets besides the request and response. */
export interface RouteContext {
  readonly url: URL;
  readonly meta: RequestMeta;
  /** For a prefix route (a path ending in `/`): the rest of the path, still URL-encoded. */
  readonly rest: string;
}

/** A handler of one method on one path. */
export type Route = (
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
) => void | Promise<void>;

/** Routes by path, then by method. A path ending in `/` also takes every path below it. */
export type Routes = Record<string, Partial<Record<'GET' | 'POST', Route>>>;

/** The route for a path: an exact one, else the longest prefix route (`/a/b/`) above it. */
function routeFor(routes: Routes, path: string): { route: Routes[string]; rest: string } | undefined {
  const exact = routes[path];
  if (exact) return { route: exact, rest: '' };
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
    const route = routes[path.slice(0, cut + 1)];
    if (route) return { route, rest: path.slice(cut + 1) };
  }
  return undefined;
}

/** The tRPC handler mounted under `/trpc/`. */
export type TrpcMount = (req: IncomingMessage, res: ServerResponse, url: URL, meta: RequestMeta) => void;

/** What the request listener is made of. */
export interface HttpAppDeps {
  readonly routes: Routes;
  readonly trpc: TrpcMount;
  readonly clientIp: ClientIpResolver;
  /** Origins allowed to call cross-origin (ALLOWED_ORIGINS). */
  readonly allowedOrigins: readonly string[];
  readonly logger: Logger;
}

/** The single request listener: CORS, then the REST routes, then tRPC under `/trpc`. */
export function createHttpApp({
  routes,
  trpc,
  clientIp,
  allowedOrigins,
  logger,
}: HttpAppDeps): RequestListener {
  return (req, res) => {
    const url = requestUrl(req);
    if (!url) return sendJson(res, 400, { status: 'error', message: 'Malformed request target' });
    if (applyCors(req, res, allowedOrigins)) return;
    const meta = { ip: clientIp(req), requestId: requestIdOf(req) };
    res.setHeader('x-request-id', meta.requestId);
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) return trpc(req, res, url, meta);
    const found = routeFor(routes, url.pathname);
    if (!found) return sendJson(res, 404, { status: 'error', message: 'Not found' });
    const { route, rest } = found;
    const handler = route[req.method as 'GET' | 'POST'];
    if (!handler) {
      const allow = Object.keys(route).join(', ');
      return sendJson(
        res,
        405,
        { status: 'error', message: `Method ${req.method} is not allowed here` },
        { allow },
      );
    }
    Promise.resolve(handler(req, res, { url, meta, rest })).catch((error: unknown) => {
      logger.error({ err: error, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendRefusal(res, refuse('unavailable', 'The request could not be completed'));
      else res.destroy();
    });
  };
}
