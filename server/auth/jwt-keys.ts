import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';
import { ConfigError, type Config } from '../config/config.js';

/** The one key and the one algorithm tokens must be signed with. */
export interface VerificationKey {
  readonly key: KeyObject;
  readonly algorithm: Algorithm;
}

/**
 * The algorithm an asymmetric key (public or private) signs or verifies with: RS256 for RSA,
 * ES256 for P-256 EC; undefined for any other kind of key.
 */
export function asymmetricAlgorithmOf(key: KeyObject): 'RS256' | 'ES256' | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/**
 * Builds the verification key once at start: jsonwebtoken given a string secret rebuilds a
 * key object on every call, which costs many times the verify itself (docs/performance.md).
 */
export function verificationKey(jwt: Config['jwt']): VerificationKey {
  if (jwt.publicKey) {
    let key: KeyObject;
    try {
      key = createPublicKey(jwt.publicKey);
    } catch {
      throw new ConfigError('Invalid configuration: JWT_PUBLIC_KEY expects a PEM public key');
    }
    const algorithm = asymmetricAlgorithmOf(key);
    if (algorithm) return { key, algorithm };
    throw new ConfigError('Invalid configuration: JWT_PUBLIC_KEY expects an RSA or P-256 EC public key');
  }
  if (!jwt.secret) throw new ConfigError('Invalid configuration: JWT_SECRET is required');
  return { key: createSecretKey(Buffer.from(jwt.secret, 'utf8')), algorithm: 'HS256' };
}
