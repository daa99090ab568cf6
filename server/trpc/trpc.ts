import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { UNAUTHORIZED, type Refusal, type RefusalKind } from '../scores/refusal.js';
import { Authenticator } from '../auth/authenticator.js';
import type { Context } from './context.js';

const t = initTRPC.context<Context>().create({
  // Stack traces never leave the server.
  isDev: false,
});

const CODES: Record<RefusalKind, TRPC_ERROR_CODE_KEY> = {
  invalid_input: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  score_rule: 'UNPROCESSABLE_CONTENT',
  rate_limited: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
};

/** The tRPC error a refusal maps to: same message, precise code. */
export function refusalError(refusal: Refusal): TRPCError {
  return new TRPCError({ code: CODES[refusal.kind], message: refusal.message });
}

export const router = t.router;
export const publicProcedure = t.procedure;

/** A procedure that requires a valid token; `ctx.principal` is set inside it. */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) => {
  const principal = ctx.principal ?? ctx.services.authenticator.fromHeader(ctx.authorization);
  if (!principal) {
    await ctx.services.scores.refuseRequest(UNAUTHORIZED, {
      subject: Authenticator.unverifiedSubject(ctx.authorization),
      ip: ctx.ip,
      userId: null,
      requestId: ctx.requestId,
    });
    throw refusalError(UNAUTHORIZED);
  }
  return next({ ctx: { ...ctx, principal } });
});
