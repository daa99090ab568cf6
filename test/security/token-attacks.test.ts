import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHORIZED_BODY } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { TEST_SECRET, tokenFor } from '../helpers/tokens.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const hs = (payload: object, secret = TEST_SECRET, alg: 'HS256' | 'HS384' | 'HS512' = 'HS256') =>
  jwt.sign(payload, secret, { algorithm: alg });
const body = { user_id: 'alice', action_id: 'attack', new_score: 999 };

async function expectRefused(server: TestServer, authorization: string | undefined) {
  const res = await server.post('/update-score', body, authorization === undefined ? {} : { authorization });
  expect(res.status).toBe(401);
  expect(res.body).toBe(UNAUTHORIZED_BODY);
  expect(server.query("select * from scores where user_id = 'alice'")).toEqual([]);
  expect(server.query("select * from score_ledger where user_id = 'alice'")).toEqual([]);
}

describe('token attacks on an HS256 server with issuer and audience', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      JWT_ISSUER: 'https://auth.example',
      JWT_AUDIENCE: 'scoreboard',
      RATE_LIMIT_AUTH_FAILURES_PER_MIN: '1000',
    });
  });
  afterAll(() => server.close());

  const claims = () => ({ sub: 'alice', iss: 'https://auth.example', aud: 'scoreboard', exp: now() + 60 });
  const valid = () => hs(claims());

  it('accepts the well-formed token the attacks are derived from (for another user)', async () => {
    const token = hs({ ...claims(), sub: 'carol' });
    const res = await server.post(
      '/update-score',
      { user_id: 'carol', action_id: 'control', new_score: 1 },
      { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(200);
  });

  const attacks: Array<[string, () => string | undefined]> = [
    ['no Authorization header', () => undefined],
    ['an empty Authorization header', () => ''],
    ['an empty bearer token', () => 'Bearer '],
    ['another scheme', () => `Basic ${valid()}`],
    ['garbage', () => 'Bearer not-a-jwt'],
    ['alg none', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
    ['alg none with a signature', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.AAAA`],
    ['a wrong key', () => `Bearer ${hs(claims(), 'a-completely-different-secret-of-32-chars')}`],
    ['another HMAC algorithm with the right key', () => `Bearer ${hs(claims(), TEST_SECRET, 'HS512')}`],
    ['an expired token', () => `Bearer ${hs({ ...claims(), exp: now() - 10 })}`],
    [
      'a token without exp',
      () => `Bearer ${hs({ sub: 'alice', iss: 'https://auth.example', aud: 'scoreboard' })}`,
    ],
    ['nbf in the future', () => `Bearer ${hs({ ...claims(), nbf: now() + 300 })}`],
    ['a wrong issuer', () => `Bearer ${hs({ ...claims(), iss: 'https://evil.example' })}`],
    ['a wrong audience', () => `Bearer ${hs({ ...claims(), aud: 'another-service' })}`],
    ['no sub', () => `Bearer ${hs({ iss: 'https://auth.example', aud: 'scoreboard', exp: now() + 60 })}`],
    ['an empty sub', () => `Bearer ${hs({ ...claims(), sub: '' })}`],
    [
      'a tampered payload (roles added after signing)',
      () => {
        const [header, , signature] = valid().split('.');
        return `Bearer ${header}.${b64({ ...claims(), roles: ['service'] })}.${signature}`;
      },
    ],
    ['a truncated signature', () => `Bearer ${valid().slice(0, -5)}`],
    ['an oversized Authorization header', () => `Bearer ${valid()}${'A'.repeat(5000)}`],
    ['two tokens', () => `Bearer ${valid()} ${valid()}`],
  ];

  it.each(attacks)('refuses %s with the literal 401 and changes nothing', async (_name, header) => {
    await expectRefused(server, header());
  });

  it('counts every refused token in one unauthorized security event for the address', async () => {
    await server.flushAudit();
    const events = server.query<{ kind: string; ip: string; count: number }>(
      "select kind, ip, count from security_events where kind = 'unauthorized'",
    );
    expect(events).toEqual([{ kind: 'unauthorized', ip: '127.0.0.1', count: attacks.length }]);
  });
});

describe('algorithm confusion on an RS256 server', () => {
  let server: TestServer;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  beforeAll(async () => {
    server = await startTestServer({
      JWT_SECRET: '',
      JWT_PUBLIC_KEY: pem,
      RATE_LIMIT_AUTH_FAILURES_PER_MIN: '1000',
    });
  });
  afterAll(() => server.close());

  it('accepts an RS256 token signed with the private key', async () => {
    const token = jwt.sign({}, privateKey, { algorithm: 'RS256', subject: 'bob', expiresIn: 60 });
    const res = await server.post(
      '/update-score',
      { user_id: 'bob', action_id: 'rs-1', new_score: 5 },
      { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(200);
  });

  it('refuses HS256 signed with the RSA public key as the secret', async () => {
    const header = b64({ alg: 'HS256', typ: 'JWT' });
    const payload = b64({ sub: 'alice', exp: now() + 60 });
    const signature = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    await expectRefused(server, `Bearer ${header}.${payload}.${signature}`);
  });

  it('refuses an HS256 token signed with the usual test secret', async () => {
    await expectRefused(server, `Bearer ${tokenFor('alice')}`);
  });

  it('refuses RS512 signed with the right private key (algorithm pinned)', async () => {
    const token = jwt.sign({}, privateKey, { algorithm: 'RS512', subject: 'alice', expiresIn: 60 });
    await expectRefused(server, `Bearer ${token}`);
  });
});
