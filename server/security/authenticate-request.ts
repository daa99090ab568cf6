import type { AppServices } from '../app-services.js';
import { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { UNAUTHORIZED } from '../scores/refusal.js';
import type { RequestMeta, Result } from '../scores/score.service.js';

/**
 * The front door every adapter shares: refuse a blocked or (for updates) over-budget IP,
 * then verify the bearer token, counting a failure against the IP. A WebSocket verified its
 * token when it connected (`verified`): that principal still passes the IP checks on every
 * call, and stops being accepted once its token expires. Every refusal lands in the audit
 * trail.
 */
export async function authenticateRequest(
  services: AppServices,
  authorization: string | undefined,
  meta: RequestMeta,
  spendIpBudget: boolean,
  verified?: Principal,
): Promise<Result<Principal>> {
  const origin = () => ({
    subject: Authenticator.unverifiedSubject(authorization),
    ip: meta.ip,
    userId: null,
    requestId: meta.requestId,
  });
  const refused = await services.guard.admit(meta.ip, spendIpBudget);
  if (refused) return services.scores.refuseRequest(refused, origin());
  if (verified) {
    if (verified.expiresAt > Date.now()) return { ok: true, value: verified };
    return services.scores.refuseRequest(UNAUTHORIZED, { ...origin(), subject: verified.subject });
  }
  const principal = services.authenticator.fromHeader(authorization);
  if (principal) return { ok: true, value: principal };
  await services.guard.authenticationFailed(meta.ip);
  return services.scores.refuseRequest(UNAUTHORIZED, origin());
}
