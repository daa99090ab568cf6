import jwt from 'jsonwebtoken';
import type { Config } from '../config/config.js';
import type { VerificationKey } from './jwt-keys.js';
import type { Principal } from './principal.js';

/** Verifies a compact JWT and returns its principal, or undefined when it is not valid. */
export type TokenVerifier = (token: string) => Principal | undefined;

const MAX_CLAIM_LENGTH = 128;

function rolesOf(claim: unknown): string[] | undefined {
  if (claim === undefined) return [];
  if (!Array.isArray(claim) || !claim.every((role) => typeof role === 'string')) return undefined;
  return claim as string[];
}

/**
 * Creates the verifier: the algorithm is pinned to the configured key's, `sub` and `exp`
 * are required, and `iss` / `aud` are checked when configured.
 */
export function createTokenVerifier(
  { key, algorithm }: VerificationKey,
  claims: Pick<Config['jwt'], 'issuer' | 'audience'>,
): TokenVerifier {
  const options: jwt.VerifyOptions & { complete: false } = {
    algorithms: [algorithm],
    complete: false,
    ...(claims.issuer ? { issuer: claims.issuer } : {}),
    ...(claims.audience ? { audience: claims.audience } : {}),
  };
  return (token) => {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, options);
    } catch {
      return undefined;
    }
    if (typeof payload !== 'object' || typeof payload.exp !== 'number') return undefined;
    const { sub } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_CLAIM_LENGTH) return undefined;
    const roles = rolesOf((payload as { roles?: unknown }).roles);
    if (!roles) return undefined;
    return { subject: sub, roles, expiresAt: payload.exp * 1000 };
  };
}
