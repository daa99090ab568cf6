import { Authenticator } from '../auth/authenticator.js';
import { hasRole, ROLE_SERVICE, type Principal } from '../auth/principal.js';
import { UNAUTHORIZED, type Refusal } from '../domain/refusal.js';
import type { RequestMeta, RequestOrigin } from '../domain/request-origin.js';
import type { Result } from '../domain/result.js';
import type { RequestGuard } from './request-guard.js';
import type { SecurityAudit } from './security-audit.js';

/**
 * What a request is for: an `update` spends the IP's update budget (unless the caller is a
 * service); `access` (admin calls, a socket's token) spends nothing but failures.
 */
export type GatePurpose = 'update' | 'access';

/** What a request presents: an Authorization header, or a principal its socket verified. */
export interface Credentials {
  readonly authorization?: string;
  readonly principal?: Principal;
}

/** Told of every refusal of an update request (the updates metric counts them by kind). */
export type UpdateRefusedListener = (refusal: Refusal) => void;

/**
 * The front door every adapter shares: authentication, the request budgets and the audit of
 * whatever it refuses.
 *
 * A token is verified first. A token that verifies goes on, whatever other requests from the
 * same IP did; a token that fails counts against the IP's failed-authentication budget, and
 * once that is spent further bad tokens get 429 instead of 401 for a while. Then an update
 * spends the IP's update budget, except for a `service` token (a game server on one IP acts for
 * many players; its per-user budgets still apply).
 */
export class RequestGate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly guard: RequestGuard,
    private readonly audit: SecurityAudit,
    private readonly onUpdateRefused: UpdateRefusedListener = () => {},
  ) {}

  /** Authenticates a request and spends its budgets; every refusal is audited. */
  async authenticate(
    credentials: Credentials,
    meta: RequestMeta,
    purpose: GatePurpose,
  ): Promise<Result<Principal>> {
    const principal = credentials.principal ?? this.authenticator.fromHeader(credentials.authorization);
    if (!principal) {
      const blocked = await this.guard.failedAuthentication(meta.ip);
      const subject = Authenticator.unverifiedSubject(credentials.authorization);
      return this.refuse(blocked ?? UNAUTHORIZED, { ...meta, subject, userId: null }, purpose);
    }
    if (principal.expiresAt <= Date.now()) {
      // A socket's principal outlives its token otherwise.
      return this.refuse(UNAUTHORIZED, { ...meta, subject: principal.subject, userId: null }, purpose);
    }
    if (purpose === 'update' && !hasRole(principal, ROLE_SERVICE)) {
      const limited = await this.guard.spendUpdate(meta.ip);
      if (limited)
        return this.refuse(limited, { ...meta, subject: principal.subject, userId: null }, purpose);
    }
    return { ok: true, value: principal };
  }

  /** Spends one public read from the IP's budget; the refusal (429) is audited. */
  async admitRead(meta: RequestMeta): Promise<Refusal | undefined> {
    const limited = await this.guard.spendRead(meta.ip);
    if (limited) await this.audit.record(limited, { ...meta, subject: null, userId: null });
    return limited;
  }

  /** Audits a refusal decided by an adapter (body too large, invalid input) and returns it. */
  async refuse(refusal: Refusal, origin: RequestOrigin, purpose?: GatePurpose): Promise<Result<never>> {
    if (purpose === 'update') this.onUpdateRefused(refusal);
    await this.audit.record(refusal, origin);
    return { ok: false, refusal };
  }
}
