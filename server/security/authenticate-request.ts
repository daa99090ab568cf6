import type { AppServices } from '../app-services.js';
import { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { UNAUTHORIZED } from '../scores/refusal.js';
import type { RequestMeta, Result } from '../scores/score.service.js';

/**
 * The front door both adapters share: refuse a blocked or (for updates) over-budget IP,
 * then verify the bearer token, counting a failure against the IP. Every refusal lands in
 * the audit trail.
 */
export async function authenticateRequest(
  services: AppServices,
  authorization: string | undefined,
  meta: RequestMeta,
  spendIpBudget: boolean,
): Promise<Result<Principal>> {
  const origin = () => ({
    subject: Authenticator.unverifiedSubject(authorization),
    ip: meta.ip,
    userId: null,
    requestId: meta.requestId,
  });
  const refused = await services.guard.admit(meta.ip, spendIpBudget);
  if (refused) return services.scores.refuseRequest(refused, origin());
  const principal = services.authenticator.fromHeader(authorization);
  if (principal) return { ok: true, value: principal };
  await services.guard.authenticationFailed(meta.ip);
  return services.scores.refuseRequest(UNAUTHORIZED, origin());
}
