import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RequestMeta } from '../domain/request-origin.js';
import type { InternalErrorReporter } from '../observability/internal-errors.js';
import { INTERNAL_ERROR_MESSAGE } from '../procedures/procedure-errors.js';
import type { ClientIpResolver } from './client-ip.js';
import { applyCors } from './cors.js';
import { requestIdOf, requestUrl } from './request-meta.js';
import { sendJson } from './respond.js';

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

type RouteTable = ReadonlyMap<string, ReadonlyMap<string, Route>>;

/** The route for a path: an exact one, else the longest prefix route (`/a/b/`) above it. */
function routeFor(
  routes: RouteTable,
  path: string,
): { route: ReadonlyMap<string, Route>; rest: string } | undefined {
  const exact = routes.get(path);
  if (exact) return { route: exact, rest: '' };
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
    const route = routes.get(path.slice(0, cut + 1));
    if (route) return { route, rest: path.slice(cut + 1) };
  }
  return undefined;
}

/** The tRPC handler mounted under `/trpc/`. */
export type TrpcMount = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  meta: RequestMeta,
) => Promise<void>;

/** What the request listener is made of. */
export interface HttpAppDeps {
  readonly routes: Routes;
  readonly trpc: TrpcMount;
  readonly clientIp: ClientIpResolver;
  /** Origins allowed to call cross-origin (ALLOWED_ORIGINS). */
  readonly allowedOrigins: readonly string[];
  readonly reportInternal: InternalErrorReporter;
}

/**
 * The single request listener: CORS, then the REST routes, then tRPC under `/trpc`. Routes are
 * looked up in Maps (a path from a request never meets an object's inherited keys), and
 * whatever a handler throws, at once or later, is that request's internal error (500),
 * reported once; the process goes on serving.
 */
export function createHttpApp({
  routes,
  trpc,
  clientIp,
  allowedOrigins,
  reportInternal,
}: HttpAppDeps): RequestListener {
  const table: RouteTable = new Map(
    Object.entries(routes).map(([path, methods]) => [path, new Map(Object.entries(methods))]),
  );
  return (req, res) => {
    let requestId: string | undefined;
    const failed = (error: unknown) => {
      reportInternal(error, { transport: 'http', requestId });
      if (!res.headersSent) sendJson(res, 500, { status: 'error', message: INTERNAL_ERROR_MESSAGE });
      else res.destroy();
    };
    try {
      const url = requestUrl(req);
      if (!url) return sendJson(res, 400, { status: 'error', message: 'Malformed request target' });
      if (applyCors(req, res, allowedOrigins)) return;
      const meta = { ip: clientIp(req), requestId: requestIdOf(req) };
      requestId = meta.requestId;
      res.setHeader('x-request-id', meta.requestId);
      if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
        trpc(req, res, url, meta).catch(failed);
        return;
      }
      const found = routeFor(table, url.pathname);
      if (!found) return sendJson(res, 404, { status: 'error', message: 'Not found' });
      const handler = found.route.get(req.method ?? '');
      if (!handler) {
        const allow = [...found.route.keys()].join(', ');
        return sendJson(
          res,
          405,
          { status: 'error', message: `Method ${req.method} is not allowed here` },
          { allow },
        );
      }
      Promise.resolve(handler(req, res, { url, meta, rest: found.rest })).catch(failed);
    } catch (error) {
      failed(error);
    }
  };
}
