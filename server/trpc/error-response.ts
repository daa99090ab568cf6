import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import type { Context } from './context.js';
import { appRouter } from './routers/_app.js';

/**
 * A tRPC error response exactly as tRPC's own adapter writes it (the router's error
 * formatter included), for requests refused before tRPC sees them: one JSON error, not an
 * array, which tRPC's clients apply to every call of a batch.
 */
export function trpcErrorResponse(
  error: TRPCError,
  options: { path?: string; ctx?: Context } = {},
): { status: number; body: string } {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error,
    type: 'unknown',
    path: options.path,
    input: undefined,
    ctx: options.ctx,
  });
  return { status: getHTTPStatusCodeFromError(error), body: JSON.stringify({ error: shape }) };
}
