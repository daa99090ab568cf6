import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { hasRole, ROLE_ADMIN, type Principal } from '../auth/principal.js';
import { refuse, type Refusal, type RefusalKind } from '../domain/refusal.js';
import type { GatePurpose } from '../security/request-gate.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { ConnectionState, Context, RequestInfo } from './context.js';

/** What a client sees of a failure that is not an expected refusal. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

const t = initTRPC.context<Context>().create({
  // Stack traces never leave the server.
  isDev: false,
  // Subscriptions are served over the WebSocket only, where the origin check, the connection
  // caps, the slow-consumer policy and the shutdown sequence apply.
  sse: { enabled: false },
  errorFormatter({ shape, error, ctx }) {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      // A database error's text (or any bug's) stays in the server log.
      return { ...shape, message: INTERNAL_ERROR_MESSAGE };
    }
    if (error.message === 'Batch call exceeds maximum size') {
      const max = ctx?.deps.maxBatch;
      return { ...shape, message: batchTooLargeMessage(max) };
    }
    return shape;
  },
});

/** The one error a batch over TRPC_MAX_BATCH gets, whole. */
export function batchTooLargeMessage(max: number | undefined): string {
  return `Too many calls in one batch: at most ${max ?? 'TRPC_MAX_BATCH'} are allowed (TRPC_MAX_BATCH)`;
}

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

/** The cause a refusal's TRPCError carries, so the HTTP layer can send its Retry-After. */
export class RefusalCause extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/** The tRPC error a refusal maps to: same message, precise code. */
export function refusalError(refusal: Refusal): TRPCError {
  return new TRPCError({
    code: CODES[refusal.kind],
    message: refusal.message,
    cause: new RefusalCause(refusal),
  });
}

/** The longest Retry-After among the refusals of a response, if any asked for one. */
export function retryAfterOf(errors: readonly TRPCError[]): number | undefined {
  let longest: number | undefined;
  for (const error of errors) {
    const seconds = error.cause instanceof RefusalCause ? error.cause.refusal.retryAfter : undefined;
    if (seconds !== undefined) longest = Math.max(longest ?? 0, seconds);
  }
  return longest;
}

/** Where a request came from (never its credentials). */
export function metaOf(request: RequestInfo): RequestMeta {
  return { ip: request.ip, requestId: request.requestId };
}

export const router = t.router;
export const publicProcedure = t.procedure;

/** The caller's principal, or the refusal as an error (see RequestGate for the budgets it spends). */
export async function principalOrThrow(ctx: Context, purpose: GatePurpose): Promise<Principal> {
  const { request } = ctx;
  const auth = await ctx.deps.gate.authenticate(request, metaOf(request), purpose);
  if (!auth.ok) throw refusalError(auth.refusal);
  return auth.value;
}

/** Middleware: a valid token is required. */
function requireToken(purpose: GatePurpose) {
  return t.middleware(async ({ ctx, next }) =>
    next({ ctx: { ...ctx, principal: await principalOrThrow(ctx, purpose) } }),
  );
}

/** The error for a connection whose subscription slots are all taken, or undefined. */
export function subscriptionSlotsFull(connection: ConnectionState): TRPCError | undefined {
  if (connection.subscriptions < connection.maxSubscriptions) return undefined;
  return new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message: `A connection may hold at most ${connection.maxSubscriptions} subscriptions (WS_MAX_SUBSCRIPTIONS)`,
  });
}

/**
 * Takes one of the connection's subscription slots for the life of `events`, or throws
 * TOO_MANY_REQUESTS past WS_MAX_SUBSCRIPTIONS (the other subscriptions go on). Called by the
 * resolver itself, not inside the generator, so that a refusal is an error answer, before
 * tRPC says the subscription started.
 */
export function holdingSubscriptionSlot<T>(ctx: Context, events: AsyncGenerator<T>): AsyncGenerator<T> {
  const connection = ctx.connection;
  if (!connection) return events;
  const full = subscriptionSlotsFull(connection);
  if (full) throw full;
  connection.subscriptions += 1;
  return (async function* () {
    try {
      yield* events;
    } finally {
      connection.subscriptions -= 1;
    }
  })();
}

/** Spends one point of the IP's read budget, or throws the refusal. */
export async function admitReadOrThrow(ctx: Context): Promise<void> {
  const limited = await ctx.deps.gate.admitRead(metaOf(ctx.request));
  if (limited) throw refusalError(limited);
}

/** A public read: spends one point of the IP's read budget. */
export const readProcedure = t.procedure.use(async ({ ctx, next }) => {
  await admitReadOrThrow(ctx);
  return next();
});

/**
 * A score update: a valid token is required and the IP's update budget spent; input that
 * fails validation is recorded in the audit trail before the 400 is answered.
 */
export const updateProcedure = t.procedure.use(requireToken('update')).use(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok) await recordIfBadInput(ctx, result.error);
  return result;
});

/** An update refused as BAD_REQUEST goes to the audit trail (as `invalid_input`). */
export async function recordIfBadInput(
  ctx: Context & { principal: Principal },
  error: TRPCError,
): Promise<void> {
  if (error.code !== 'BAD_REQUEST') return;
  const origin = { ...metaOf(ctx.request), subject: ctx.principal.subject, userId: null };
  await ctx.deps.gate.refuse(refuse('invalid_input', error.message.slice(0, 200)), origin, 'update');
}

/** A procedure that requires a token with role `admin`. */
export const adminProcedure = t.procedure.use(requireToken('access')).use(async ({ ctx, next }) => {
  if (!hasRole(ctx.principal, ROLE_ADMIN)) {
    const refusal = refuse('forbidden', 'This procedure needs a token with role admin');
    await ctx.deps.gate.refuse(refusal, {
      ...metaOf(ctx.request),
      subject: ctx.principal.subject,
      userId: null,
    });
    throw refusalError(refusal);
  }
  return next();
});
