import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { Authenticator } from '../auth/authenticator.js';
import { refuse } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import { BODY_LIMIT_BYTES } from '../transport/json-body.js';
import type { Logger } from '../observability/logger.js';
import { createContextInner, type Context, type ProcedureDeps } from './context.js';
import { fastTrpcHttp } from './fast-http.js';
import { trpcErrorResponse } from './error-response.js';
import { appRouter } from './routers/_app.js';
import { batchTooLargeMessage, retryAfterOf } from './trpc.js';

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;

/** The procedure paths of a request target under `/trpc/` (a batch names several). */
function pathsOf(url: URL): string[] {
  const raw = url.pathname.slice('/trpc/'.length);
  let joined = raw;
  try {
    joined = decodeURIComponent(raw);
  } catch {
    // tRPC answers a malformed path itself (NOT_FOUND)
  }
  return url.searchParams.get('batch') === '1' ? joined.split(',') : [joined];
}

/**
 * tRPC over HTTP under `/trpc/` (`useAdapterOnly`: without the fast path, for comparisons). Before tRPC sees a request: a batch over TRPC_MAX_BATCH is
 * refused whole with one error, and a subscription is refused (405): subscriptions are served
 * over the WebSocket only, where the origin check, the caps, the slow-consumer policy and
 * the shutdown sequence apply.
 */
export function trpcHttpHandler(deps: ProcedureDeps, logger: Logger, useAdapterOnly = false) {
  const callFailed = (error: TRPCError, path: string, req: IncomingMessage, ctx: Context | undefined) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
    } else if (path === 'scores.update' && error.code === 'PAYLOAD_TOO_LARGE') {
      // Refused while reading the body, before the procedure ran, so it is recorded here.
      const meta = (req as IncomingMessage & { meta: RequestMeta }).meta;
      const refusal = refuse('payload_too_large', error.message.slice(0, 200));
      const subject = Authenticator.unverifiedSubject(req.headers.authorization);
      deps.gate
        .refuse(
          refusal,
          { ...meta, requestId: ctx?.request.requestId ?? meta.requestId, subject, userId: null },
          'update',
        )
        .catch((err: unknown) => logger.error({ err }, 'could not record a refusal'));
    }
  };
  const fast = fastTrpcHttp(deps, { maxBodySize: BODY_LIMIT_BYTES, onError: callFailed });
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: BODY_LIMIT_BYTES,
    maxBatchSize: deps.maxBatch,
    // Headers (not a plain object) are added to tRPC's own: its `vary: trpc-accept, accept`
    // would otherwise replace the `vary: origin` CORS needs. A 429 says when to come back.
    responseMeta: ({ errors }) => {
      const headers = new Headers([['vary', 'origin']]);
      const retryAfter = retryAfterOf(errors);
      if (retryAfter !== undefined) headers.set('retry-after', String(retryAfter));
      return { headers };
    },
    createContext: ({ req }) =>
      createContextInner(deps, {
        ...(req as IncomingMessage & { meta: RequestMeta }).meta,
        authorization: req.headers.authorization,
      }),
    onError: ({ error, path, req, ctx }) => callFailed(error, path ?? '', req, ctx),
  });

  return (req: IncomingMessage, res: ServerResponse, url: URL, meta: RequestMeta): void => {
    const paths = pathsOf(url);
    const refusal =
      paths.length > deps.maxBatch
        ? new TRPCError({ code: 'BAD_REQUEST', message: batchTooLargeMessage(deps.maxBatch) })
        : paths.some((path) => procedures[path]?._def.type === 'subscription')
          ? new TRPCError({
              code: 'METHOD_NOT_SUPPORTED',
              message: 'Subscriptions are served over the WebSocket at /trpc, not over HTTP',
            })
          : undefined;
    if (refusal) {
      if (refusal.code === 'BAD_REQUEST') {
        const origin = {
          ...meta,
          subject: Authenticator.unverifiedSubject(req.headers.authorization),
          userId: null,
        };
        deps.gate
          .refuse(refuse('invalid_input', refusal.message), origin)
          .catch((err: unknown) => logger.error({ err }, 'could not record a refusal'));
      }
      const { status, body } = trpcErrorResponse(refusal, paths.length === 1 ? { path: paths[0] } : {});
      req.resume();
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    (req as IncomingMessage & { meta: RequestMeta }).meta = meta;
    if (!useAdapterOnly) {
      fast(req, res, url, paths, meta).then(
        (answered) => answered || handler(req, res),
        (error: unknown) => {
          logger.error({ err: error }, 'tRPC request failed');
          if (!res.headersSent) res.writeHead(500).end();
        },
      );
      return;
    }
    handler(req, res);
  };
}
