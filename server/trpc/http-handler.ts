import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { Authenticator } from '../auth/authenticator.js';
import { BODY_LIMIT_BYTES, refuse } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import { PROCEDURE_PATHS } from '../procedures/catalogue.js';
import { createContextInner, type ProcedureDeps } from '../procedures/context.js';
import { retryAfterOf } from '../procedures/procedure-errors.js';
import type { InternalErrorReporter } from '../observability/internal-errors.js';
import { batchTooLargeMessage, errorShape } from '../transport/trpc-wire.js';
import { fastTrpcHttp } from './fast-http.js';
import { appRouter } from './routers/_app.js';

type MetaRequest = IncomingMessage & { meta: RequestMeta };

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

/** What no procedure may be asked over HTTP: more calls than TRPC_MAX_BATCH, or a subscription. */
function refusedUpFront(paths: readonly string[], maxBatch: number): TRPCError | undefined {
  if (paths.length > maxBatch)
    return new TRPCError({ code: 'BAD_REQUEST', message: batchTooLargeMessage(maxBatch) });
  if (paths.some((path) => PROCEDURE_PATHS.get(path)?.kind === 'subscription')) {
    return new TRPCError({
      code: 'METHOD_NOT_SUPPORTED',
      message: 'Subscriptions are served over the WebSocket at /trpc, not over HTTP',
    });
  }
  return undefined;
}

/**
 * tRPC over HTTP under `/trpc/`. Before any procedure runs: a batch over TRPC_MAX_BATCH is
 * refused whole with one error (and audited), and a subscription is refused (405):
 * subscriptions are served over the WebSocket only, where the origin check, the caps, the
 * slow-consumer policy and the shutdown sequence apply. Then the fast path answers what it
 * can (fast-http.ts) and tRPC's adapter the rest; `adapterOnly` skips the fast path (the
 * differential tests compare the two).
 */
export function trpcHttpHandler(
  deps: ProcedureDeps,
  reportInternal: InternalErrorReporter,
  adapterOnly = false,
) {
  const reportCall = (error: TRPCError, path: string | undefined, requestId: string) => {
    if (error.code === 'INTERNAL_SERVER_ERROR')
      reportInternal(error.cause ?? error, { transport: 'trpc-http', requestId, path });
  };
  const fast = fastTrpcHttp(deps, {
    maxBodySize: BODY_LIMIT_BYTES,
    onError: (error, path, ctx) => reportCall(error, path, ctx.request.requestId),
  });
  const adapter = createHTTPHandler({
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
      createContextInner(deps, { ...(req as MetaRequest).meta, authorization: req.headers.authorization }),
    onError: ({ error, path, req }) => reportCall(error, path, (req as MetaRequest).meta.requestId ?? ''),
  });

  // The audit row is stored before the answer goes out, as for every other refusal, so a
  // caller that sees the 400 also finds the row.
  const refuseWhole = async (
    req: IncomingMessage,
    res: ServerResponse,
    meta: RequestMeta,
    refusal: TRPCError,
    path?: string,
  ): Promise<void> => {
    if (refusal.code === 'BAD_REQUEST') {
      const subject = Authenticator.unverifiedSubject(req.headers.authorization);
      await deps.gate
        .refuse(refuse('invalid_input', refusal.message), { ...meta, subject, userId: null })
        .catch((err: unknown) => reportInternal(err, { transport: 'trpc-http', requestId: meta.requestId }));
    }
    const body = JSON.stringify({ error: errorShape(refusal, path, deps.maxBatch) });
    req.resume();
    res.writeHead(getHTTPStatusCodeFromError(refusal), {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL, meta: RequestMeta): Promise<void> => {
    const paths = pathsOf(url);
    const refusal = refusedUpFront(paths, deps.maxBatch);
    if (refusal) return refuseWhole(req, res, meta, refusal, paths.length === 1 ? paths[0] : undefined);
    (req as MetaRequest).meta = meta;
    if (!adapterOnly && (await fast(req, res, url, paths, meta))) return;
    await adapter(req, res);
  };
}
