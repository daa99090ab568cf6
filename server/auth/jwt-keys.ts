import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';
import { ConfigError, type Config } from '../config/config.js';

/** The one key and the one algorithm tokens must be signed with. */
export interface VerificationKey {
  readonly key: KeyObject;
  readonly algorithm: Algorithm;
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
    if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'RS256' };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
      return { key, algorithm: 'ES256' };
    }
    throw new ConfigError('Invalid configuration: JWT_PUBLIC_KEY expects an RSA or P-256 EC public key');
  }
  if (!jwt.secret) throw new ConfigError('Invalid configuration: JWT_SECRET is required');
  return { key: createSecretKey(Buffer.from(jwt.secret, 'utf8')), algorithm: 'HS256' };
}
