import type { TRPCError } from '@trpc/server';
import { hasRole, ROLE_ADMIN, type Principal } from '../auth/principal.js';
import { BODY_TOO_LARGE, refuse } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { GatePurpose } from '../security/request-gate.js';
import type { Context, RequestInfo } from './context.js';
import { refusalError } from './procedure-errors.js';

/**
 * Who may call a procedure, and what calling it spends:
 * - `read`: anyone; one point of the IP's read budget;
 * - `update`: a valid token; the IP's update budget (not for a `service` token); input that
 *   fails (bad JSON, a body too large, the schema) is recorded in the audit trail;
 * - `admin`: a valid token with role `admin`; a token without it is recorded as forbidden.
 */
export type Access = 'read' | 'update' | 'admin';

/** Where a request came from (never its credentials). */
export function metaOf(request: RequestInfo): RequestMeta {
  return { ip: request.ip, requestId: request.requestId };
}

async function principalOrThrow(ctx: Context, purpose: GatePurpose): Promise<Principal> {
  const auth = await ctx.deps.gate.authenticate(ctx.request, metaOf(ctx.request), purpose);
  if (!auth.ok) throw refusalError(auth.refusal);
  return auth.value;
}

/** Runs the access step: the caller's principal (undefined for `read`), or the refusal thrown. */
export async function admit(access: Access, ctx: Context): Promise<Principal | undefined> {
  if (access === 'read') {
    const limited = await ctx.deps.gate.admitRead(metaOf(ctx.request));
    if (limited) throw refusalError(limited);
    return undefined;
  }
  if (access === 'update') return principalOrThrow(ctx, 'update');
  const principal = await principalOrThrow(ctx, 'access');
  if (!hasRole(principal, ROLE_ADMIN)) {
    const refusal = refuse('forbidden', 'This procedure needs a token with role admin');
    await ctx.deps.gate.refuse(refusal, { ...metaOf(ctx.request), subject: principal.subject, userId: null });
    throw refusalError(refusal);
  }
  return principal;
}

/** Records an update's unusable input (bad JSON, the schema, a body too large) in the audit trail. */
export async function auditBadInput(ctx: Context, principal: Principal, error: TRPCError): Promise<void> {
  const refusal =
    error.code === 'PAYLOAD_TOO_LARGE'
      ? BODY_TOO_LARGE
      : error.code === 'BAD_REQUEST'
        ? refuse('invalid_input', error.message.slice(0, 200))
        : undefined;
  if (!refusal) return;
  const origin = { ...metaOf(ctx.request), subject: principal.subject, userId: null };
  await ctx.deps.gate.refuse(refusal, origin, 'update');
}
