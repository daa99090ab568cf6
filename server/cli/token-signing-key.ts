import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { asymmetricAlgorithmOf, verificationKey, type VerificationKey } from '../auth/jwt-keys.js';
import type { Config } from '../config/config.js';
import { withDevelopmentSecret } from '../config/dev-secret.js';

/** The key and algorithm `npm run token` signs with. */
export interface SigningKey {
  readonly key: KeyObject;
  readonly algorithm: VerificationKey['algorithm'];
}

/** A `--key` that cannot sign tokens this configuration accepts; the message is one line. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/**
 * The private key in `file`, with the algorithm its type implies. When the configuration
 * says how tokens are verified, the key must agree with it: a token the server would refuse
 * is an error here, not a 401 later. Without a configured key no development secret is made.
 */
export function signingKeyFromFile(file: string, jwt: Config['jwt']): SigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SigningKeyError(`--key ${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(`--key ${file} is not a PEM private key`);
  }
  const algorithm = asymmetricAlgorithmOf(key);
  if (!algorithm) {
    throw new SigningKeyError(
      `--key ${file} is neither an RSA nor a P-256 EC key, the keys the server verifies (RS256, ES256)`,
    );
  }
  if (jwt.secret) {
    throw new SigningKeyError(
      `--key ${file} signs ${algorithm}, but JWT_SECRET is set (HS256): leave out --key, or set JWT_PUBLIC_KEY instead of JWT_SECRET`,
    );
  }
  if (!jwt.publicKey) {
    throw new SigningKeyError(
      `--key ${file} signs ${algorithm}, but JWT_PUBLIC_KEY is not set: set it to the server's public key, so the token is checked against what the server verifies with`,
    );
  }
  if (!createPublicKey(key).equals(verificationKey(jwt).key)) {
    throw new SigningKeyError(
      `--key ${file} does not match JWT_PUBLIC_KEY: the server would refuse its tokens`,
    );
  }
  return { key, algorithm };
}

/**
 * The configured key: JWT_SECRET, or outside production the development secret of the data
 * folder (made if missing, as the server does). A server that verifies with JWT_PUBLIC_KEY
 * needs the private key, which the configuration does not hold.
 */
export function configuredSigningKey(config: Config): SigningKey {
  if (config.jwt.publicKey) {
    throw new SigningKeyError(
      `The server verifies ${verificationKey(config.jwt).algorithm} tokens with JWT_PUBLIC_KEY: pass its private key with --key`,
    );
  }
  // An HS256 secret verifies and signs alike.
  return verificationKey(withDevelopmentSecret(config).config.jwt);
}
