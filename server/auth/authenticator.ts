import { bearerToken } from './bearer.js';
import type { TokenVerifier } from './jwt-verifier.js';
import type { Principal } from './principal.js';

/** Turns an Authorization header (or a bare token) into a principal, or undefined. */
export class Authenticator {
  constructor(private readonly verify: TokenVerifier) {}

  /** Reads `Authorization: Bearer <JWT>`; the scheme is case-insensitive. */
  fromHeader(header: string | undefined): Principal | undefined {
    const token = bearerToken(header);
    return token === undefined ? undefined : this.verify(token);
  }

  /** Reads the subject of a token without trusting it, for the audit trail only. */
  static unverifiedSubject(header: string | undefined): string | null {
    const token = bearerToken(header);
    if (!token) return null;
    try {
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
      const sub = payload?.sub;
      return typeof sub === 'string' ? `unverified:${sub.slice(0, 128)}` : null;
    } catch {
      return null;
    }
  }
}
