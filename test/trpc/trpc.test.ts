import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const client = (token?: string, base = server.url) =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${base}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });

async function codeOf(promise: Promise<unknown>): Promise<[string | undefined, number | undefined, string]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError)) throw new Error('expected a TRPCClientError');
  return [error.data?.code, error.data?.httpStatus, error.message];
}

describe('tRPC scores.update', () => {
  it('returns the committed score, previous score, rank and applied', async () => {
    const result = await client(tokenFor('alice')).scores.update.mutate({
      user_id: 'alice',
      action_id: 't1',
      new_score: 40,
    });
    expect(result).toEqual({ user_id: 'alice', score: 40, previous_score: 0, rank: 1, applied: true });
    const second = await client(tokenFor('bob')).scores.update.mutate({
      user_id: 'bob',
      action_id: 't2',
      new_score: 30,
    });
    expect(second).toEqual({ user_id: 'bob', score: 30, previous_score: 0, rank: 2, applied: true });
  });

  it('answers a replay as the original update was answered, with applied false and the rank now', async () => {
    const c = client(tokenFor('alice'));
    await c.scores.update.mutate({ user_id: 'alice', action_id: 't3', new_score: 50 });
    const replay = await c.scores.update.mutate({ user_id: 'alice', action_id: 't1', new_score: 40 });
    // t1 raised alice from 0 to 40; she has 50 now, still first.
    expect(replay).toEqual({ user_id: 'alice', score: 40, previous_score: 0, rank: 1, applied: false });
  });

  it('shares the REST rules: the same action_id used over REST replays over tRPC', async () => {
    await server.post(
      '/update-score',
      { user_id: 'carol', action_id: 'rest-1', new_score: 5 },
      { authorization: `Bearer ${serviceToken()}` },
    );
    const replay = await client(serviceToken()).scores.update.mutate({
      user_id: 'carol',
      action_id: 'rest-1',
      new_score: 5,
    });
    expect(replay.applied).toBe(false);
  });

  it('refuses a missing token with UNAUTHORIZED and the spec message', async () => {
    expect(
      await codeOf(client().scores.update.mutate({ user_id: 'alice', action_id: 'x', new_score: 1 })),
    ).toEqual(['UNAUTHORIZED', 401, 'Unauthorized access. Invalid or missing authentication token']);
  });

  it('refuses another user with FORBIDDEN, the REST message, and changes nothing', async () => {
    const ledgerBefore = server.query('select id from score_ledger').length;
    expect(
      await codeOf(
        client(tokenFor('mallory')).scores.update.mutate({
          user_id: 'alice',
          action_id: 'x',
          new_score: 999,
        }),
      ),
    ).toEqual(['FORBIDDEN', 403, 'This token may only update the score of its own user']);
    expect(server.query('select score from scores where user_id = ?', 'alice')).toEqual([{ score: 50 }]);
    expect(server.query('select id from score_ledger').length).toBe(ledgerBefore);
  });

  it('refuses a score rule with UNPROCESSABLE_CONTENT and a conflict with CONFLICT', async () => {
    const c = client(tokenFor('dave'));
    expect(
      (await codeOf(c.scores.update.mutate({ user_id: 'dave', action_id: 'd1', new_score: 5000 })))[0],
    ).toBe('UNPROCESSABLE_CONTENT');
    await c.scores.update.mutate({ user_id: 'dave', action_id: 'd2', new_score: 5 });
    expect(
      (await codeOf(c.scores.update.mutate({ user_id: 'dave', action_id: 'd2', new_score: 6 })))[0],
    ).toBe('CONFLICT');
  });

  it('refuses invalid input with BAD_REQUEST and records it', async () => {
    const bad = { user_id: 'erin', action_id: 'e1', new_score: 1.5 };
    const [code, status] = await codeOf(client(tokenFor('erin')).scores.update.mutate(bad));
    expect([code, status]).toEqual(['BAD_REQUEST', 400]);
    expect(server.query('select * from scores where user_id = ?', 'erin')).toEqual([]);
    const events = server.query<{ kind: string }>(
      "select kind from security_events where kind = 'invalid_input'",
    );
    expect(events.length).toBe(1);
  });
});

describe('tRPC leaderboard.top', () => {
  it('is public and answers the same entries as GET /leaderboard', async () => {
    const viaTrpc = await client().leaderboard.top.query({ limit: 2 });
    const viaRest = await (await fetch(`${server.url}/leaderboard?limit=2`)).json();
    expect(viaTrpc).toEqual(viaRest);
    expect(viaTrpc.entries[0]).toEqual({ rank: 1, user_id: 'alice', score: 50 });
  });

  it('speaks plain JSON on the wire, so any HTTP client can call it', async () => {
    const res = await fetch(`${server.url}/trpc/leaderboard.top?input=${encodeURIComponent('{"limit":1}')}`);
    expect(await res.json()).toEqual({
      result: {
        data: {
          window: GLOBAL_ALL_WINDOW,
          entries: [{ rank: 1, user_id: 'alice', score: 50 }],
          next_cursor: expect.any(String),
        },
      },
    });
  });
});

describe('tRPC refusals decided before a procedure runs', () => {
  it('answers PAYLOAD_TOO_LARGE for an oversized scores.update body and records it under the verified subject', async () => {
    const big = await startTestServer();
    try {
      const res = await fetch(`${big.url}/trpc/scores.update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('zoe')}` },
        body: JSON.stringify({ user_id: 'zoe', action_id: 'z', new_score: 1, pad: 'x'.repeat(17_000) }),
      });
      expect(res.status).toBe(413);
      expect((await res.json()).error.data.code).toBe('PAYLOAD_TOO_LARGE');
      await big.flushAudit();
      expect(big.query('select kind, subject from security_events')).toEqual([
        { kind: 'payload_too_large', subject: 'zoe' },
      ]);
      expect(big.query('select * from scores')).toEqual([]);
    } finally {
      await big.close();
    }
  });

  it('answers a committed update with rank null when the rank cannot be read, never an error', async () => {
    const flaky = await startTestServer();
    try {
      flaky.app.services.leaderboard.rankOf = () => {
        throw new Error('index out of step');
      };
      const result = await client(tokenFor('yan'), flaky.url).scores.update.mutate({
        user_id: 'yan',
        action_id: 'y1',
        new_score: 5,
      });
      expect(result).toEqual({ user_id: 'yan', score: 5, previous_score: 0, rank: null, applied: true });
      expect(flaky.query('select user_id, score from scores')).toEqual([{ user_id: 'yan', score: 5 }]);
    } finally {
      await flaky.close();
    }
  });

  it('answers 200 for a committed update even when refreshing the cached board fails', async () => {
    const flaky = await startTestServer();
    try {
      flaky.app.services.leaderboard.apply = () => Promise.reject(new Error('cache exploded'));
      const res = await flaky.setScore('xia', 'x1', 7);
      expect(res.status).toBe(200);
      expect(flaky.query('select user_id, score from scores')).toEqual([{ user_id: 'xia', score: 7 }]);
    } finally {
      await flaky.close();
    }
  });
});
