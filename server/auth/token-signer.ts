import jwt from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import type { VerificationKey } from './jwt-keys.js';

/** What a minted token says. */
export interface TokenClaims {
  subject: string;
  roles?: string[];
  /** Lifetime, as jsonwebtoken reads it: seconds, or a string like `1h`, `30m`. */
  ttl: string | number;
  issuer?: string;
  audience?: string;
}

/** Signs a token that the server configured with the same key accepts. */
export function signToken(
  signingKey: KeyObject,
  algorithm: VerificationKey['algorithm'],
  claims: TokenClaims,
): string {
  return jwt.sign(claims.roles?.length ? { roles: claims.roles } : {}, signingKey, {
    algorithm,
    subject: claims.subject,
    expiresIn: claims.ttl as jwt.SignOptions['expiresIn'],
    ...(claims.issuer ? { issuer: claims.issuer } : {}),
    ...(claims.audience ? { audience: claims.audience } : {}),
  });
}
