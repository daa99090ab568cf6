import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { UNAUTHORIZED_BODY } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

let server: TestServer;
afterEach(() => server?.close());

const post = (user: string, action: string, score: number, token = tokenFor(user)) =>
  server.post(
    '/update-score',
    { user_id: user, action_id: action, new_score: score },
    { authorization: `Bearer ${token}` },
  );
const ledger = () => server.query('select action_id from score_ledger order by id').map((r) => r.action_id);

describe('rate limits', () => {
  it('refuses a user past RATE_LIMIT_USER_PER_MIN with 429, Retry-After and no change', async () => {
    server = await startTestServer({ RATE_LIMIT_USER_PER_MIN: '3' });
    for (let i = 1; i <= 3; i++) expect((await post('alice', `a${i}`, i)).status).toBe(200);
    const res = await post('alice', 'a4', 4);
    expect(res.status).toBe(429);
    const retryAfter = res.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(JSON.parse(res.body)).toEqual({
      status: 'error',
      message: `Too many requests; retry in ${retryAfter} seconds`,
    });
    expect(ledger()).toEqual(['a1', 'a2', 'a3']);
    expect(
      server.query("select kind, subject, user_id from security_events where kind = 'rate_limited'"),
    ).toEqual([{ kind: 'rate_limited', subject: 'alice', user_id: 'alice' }]);
    // Another user is not affected.
    expect((await post('bob', 'b1', 1)).status).toBe(200);
  });

  it("keys a service token's budget by the user whose score changes", async () => {
    server = await startTestServer({ RATE_LIMIT_USER_PER_MIN: '2' });
    const token = serviceToken();
    const statuses = [];
    for (const user of ['u1', 'u2', 'u3', 'u1', 'u1'])
      statuses.push((await post(user, `${user}-${statuses.length}`, statuses.length + 1, token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('does not spend a victim user budget on forbidden attempts', async () => {
    server = await startTestServer({ RATE_LIMIT_USER_PER_MIN: '2' });
    for (let i = 0; i < 5; i++)
      expect((await post('alice', `m${i}`, 1, tokenFor('mallory'))).status).toBe(403);
    expect((await post('alice', 'a1', 1)).status).toBe(200);
  });

  it('refuses an IP past RATE_LIMIT_IP_PER_MIN, whatever the token', async () => {
    server = await startTestServer({ RATE_LIMIT_IP_PER_MIN: '4' });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(`user${i}`, `x${i}`, 1)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(ledger()).toEqual(['x0', 'x1', 'x2', 'x3']);
  });

  it('turns bad tokens past the failed-authentication budget into 429, while a valid token goes on', async () => {
    server = await startTestServer({ RATE_LIMIT_AUTH_FAILURES_PER_MIN: '3' });
    for (let i = 0; i < 3; i++) {
      const res = await post('alice', `bad${i}`, 1, 'garbage.token.here');
      expect([res.status, res.body]).toEqual([401, UNAUTHORIZED_BODY]);
    }
    const blocked = await post('alice', 'bad3', 1, 'garbage.token.here');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60);
    // Others behind the same address (a proxy, an office) are not locked out by it.
    expect((await post('alice', 'good', 1)).status).toBe(200);
    expect(ledger()).toEqual(['good']);
    expect((await post('alice', 'bad4', 1, tokenFor('alice', { secret: 'x'.repeat(40) }))).status).toBe(429);
  });

  it('counts concurrent bad tokens atomically: exactly the budget gets 401, the rest 429', async () => {
    server = await startTestServer({ RATE_LIMIT_AUTH_FAILURES_PER_MIN: '10' });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post('alice', `c${i}`, 1, `bad.token.${i}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });

  it('does not hold a service token to the per-IP update budget; its per-user budgets still apply', async () => {
    server = await startTestServer({ RATE_LIMIT_IP_PER_MIN: '3', RATE_LIMIT_USER_PER_MIN: '2' });
    const token = serviceToken();
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await post(`player-${i}`, `s${i}`, 1, token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    expect((await post('player-0', 's8', 2, token)).status).toBe(200);
    expect((await post('player-0', 's9', 3, token)).status).toBe(429);
  });

  it('refuses scores.update with TOO_MANY_REQUESTS past the limit', async () => {
    server = await startTestServer({ RATE_LIMIT_USER_PER_MIN: '1' });
    const client = createTRPCClient<AppRouter>({
      links: [
        httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${tokenFor('alice')}` } }),
      ],
    });
    await client.scores.update.mutate({ user_id: 'alice', action_id: 't1', new_score: 1 });
    const error = await client.scores.update
      .mutate({ user_id: 'alice', action_id: 't2', new_score: 2 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect([error.data?.code, error.data?.httpStatus]).toEqual(['TOO_MANY_REQUESTS', 429]);
    expect(error.message).toMatch(/^Too many requests; retry in \d+ seconds$/);
    expect(ledger()).toEqual(['t1']);
  });
});
