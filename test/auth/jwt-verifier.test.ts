import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { verificationKey } from '../../server/auth/jwt-keys.js';
import { createTokenVerifier } from '../../server/auth/jwt-verifier.js';
import { bearerToken } from '../../server/auth/bearer.js';
import { ConfigError } from '../../server/config/config.js';
import { TEST_SECRET } from '../helpers/tokens.js';

const noClaims: { issuer: string | undefined; audience: string | undefined } = {
  issuer: undefined,
  audience: undefined,
};
const hsVerifier = (claims = noClaims) =>
  createTokenVerifier(verificationKey({ secret: TEST_SECRET, publicKey: undefined, ...claims }), claims);
const sign = (payload: object, options: jwt.SignOptions = {}) =>
  jwt.sign(payload, TEST_SECRET, { algorithm: 'HS256', expiresIn: 60, ...options });

describe('token verification', () => {
  it('accepts an HS256 token with sub and exp and reads its roles', () => {
    expect(hsVerifier()(sign({ roles: ['service'] }, { subject: 'alice' }))).toEqual({
      subject: 'alice',
      roles: ['service'],
      expiresAt: expect.any(Number),
    });
  });

  it('refuses a token without exp', () => {
    expect(hsVerifier()(jwt.sign({ sub: 'alice' }, TEST_SECRET, { algorithm: 'HS256' }))).toBeUndefined();
  });

  it('refuses a token without sub', () => {
    expect(hsVerifier()(sign({}))).toBeUndefined();
  });

  it('refuses roles that are not a list of strings', () => {
    expect(hsVerifier()(sign({ roles: 'service' }, { subject: 'alice' }))).toBeUndefined();
  });

  it('checks iss and aud when configured', () => {
    const verify = hsVerifier({ issuer: 'https://issuer.example', audience: 'scoreboard' });
    expect(
      verify(sign({}, { subject: 'a', issuer: 'https://issuer.example', audience: 'scoreboard' })),
    ).toEqual({
      subject: 'a',
      roles: [],
      expiresAt: expect.any(Number),
    });
    expect(
      verify(sign({}, { subject: 'a', issuer: 'https://evil.example', audience: 'scoreboard' })),
    ).toBeUndefined();
    expect(
      verify(sign({}, { subject: 'a', issuer: 'https://issuer.example', audience: 'other' })),
    ).toBeUndefined();
    expect(verify(sign({}, { subject: 'a' }))).toBeUndefined();
  });

  it('verifies RS256 with a PEM public key and refuses HS256 signed with that key (algorithm confusion)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const key = verificationKey({
      secret: undefined,
      publicKey: pem,
      issuer: undefined,
      audience: undefined,
    });
    expect(key.algorithm).toBe('RS256');
    const verify = createTokenVerifier(key, noClaims);
    expect(verify(jwt.sign({}, privateKey, { algorithm: 'RS256', subject: 'a', expiresIn: 60 }))).toEqual({
      subject: 'a',
      roles: [],
      expiresAt: expect.any(Number),
    });
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'a', exp: Math.floor(Date.now() / 1000) + 60 })).toString(
      'base64url',
    );
    const forged = `${header}.${body}.${createHmac('sha256', pem).update(`${header}.${body}`).digest('base64url')}`;
    expect(verify(forged)).toBeUndefined();
  });

  it('verifies ES256 with a P-256 public key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const key = verificationKey({
      secret: undefined,
      publicKey: pem,
      issuer: undefined,
      audience: undefined,
    });
    expect(key.algorithm).toBe('ES256');
    expect(
      createTokenVerifier(
        key,
        noClaims,
      )(jwt.sign({}, privateKey, { algorithm: 'ES256', subject: 'b', expiresIn: 60 })),
    ).toEqual({
      subject: 'b',
      roles: [],
      expiresAt: expect.any(Number),
    });
  });

  it('refuses a public key that is not PEM with a configuration error naming JWT_PUBLIC_KEY', () => {
    expect(() =>
      verificationKey({ secret: undefined, publicKey: 'nope', issuer: undefined, audience: undefined }),
    ).toThrow(new ConfigError('Invalid configuration: JWT_PUBLIC_KEY expects a PEM public key'));
  });
});

describe('bearer header', () => {
  it('accepts the scheme in any case and refuses other schemes and oversized headers', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('bEaReR a.b.c')).toBe('a.b.c');
    expect(bearerToken('Basic a.b.c')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(`Bearer a.b.${'c'.repeat(5000)}`)).toBeUndefined();
  });
});
