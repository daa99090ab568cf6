import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { hasRole, ROLE_ADMIN } from '../auth/principal.js';
import { refuse, type Refusal, type RefusalKind } from '../scores/refusal.js';
import { authenticateRequest } from '../security/authenticate-request.js';
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

/** Middleware: a valid token is required; `spendIpBudget` for score updates. */
function requireToken(spendIpBudget: boolean) {
  return t.middleware(async ({ ctx, next }) => {
    const meta = { ip: ctx.ip, requestId: ctx.requestId };
    const auth = await authenticateRequest(
      ctx.services,
      ctx.authorization,
      meta,
      spendIpBudget,
      ctx.principal,
    );
    if (!auth.ok) throw refusalError(auth.refusal);
    return next({ ctx: { ...ctx, principal: auth.value } });
  });
}

/**
 * A score update: the IP's budget is spent, then a valid token is required; input that
 * fails validation is recorded in the audit trail before the 400 is answered.
 */
export const updateProcedure = t.procedure.use(requireToken(true)).use(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'BAD_REQUEST') {
    await ctx.services.scores.refuseRequest(refuse('invalid_input', result.error.message.slice(0, 200)), {
      subject: ctx.principal.subject,
      ip: ctx.ip,
      userId: null,
      requestId: ctx.requestId,
    });
  }
  return result;
});

/** A procedure that requires a token with role `admin`. */
export const adminProcedure = t.procedure.use(requireToken(false)).use(async ({ ctx, next }) => {
  if (!hasRole(ctx.principal, ROLE_ADMIN)) {
    const refusal = refuse('forbidden', 'This procedure needs a token with role admin');
    await ctx.services.scores.refuseRequest(refusal, {
      subject: ctx.principal.subject,
      ip: ctx.ip,
      userId: null,
      requestId: ctx.requestId,
    });
    throw refusalError(refusal);
  }
  return next();
});
