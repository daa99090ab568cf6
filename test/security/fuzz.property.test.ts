import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    ...UNLIMITED,
    SCORE_MAX: '5000',
    SCORE_MAX_GAIN: '1000',
  });
});
afterAll(() => server.close());

const USERS = ['alice', 'bob', 'carol'];
let nextAction = 0;

type Auth =
  | { kind: 'none' }
  | { kind: 'own' }
  | { kind: 'other' }
  | { kind: 'service' }
  | { kind: 'raw'; value: string };
interface FuzzRequest {
  path: '/update-score' | '/trpc/scores.update';
  auth: Auth;
  user: string;
  /** Only bodies from the valid generator may ever change a score. */
  valid: boolean;
  body: string | Uint8Array;
  contentType: string | undefined;
}

const printable = fc.string({
  unit: fc.constantFrom(...' !#$%&()*+,-./0123456789:;<=>?@ABCXYZabcxyz[]^_{|}~'.split('')),
  maxLength: 80,
});
const auth: fc.Arbitrary<Auth> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'own' as const }),
  fc.constant({ kind: 'other' as const }),
  fc.constant({ kind: 'service' as const }),
  printable.map((value) => ({ kind: 'raw' as const, value })),
  printable.map((value) => ({ kind: 'raw' as const, value: `Bearer ${value}` })),
);

// Scores around the rules' edges (SCORE_MAX 5000, SCORE_MAX_GAIN 1000), and action ids that
// are sometimes reused, so that every rule (gain, decrease, maximum, replay, conflict) is hit.
// Accepted action ids, so that later requests replay them (same payload) or conflict.
const acceptedIds: string[] = [];
const validBody = (user: string) =>
  fc
    .record({
      score: fc.integer({ min: 0, max: 6000 }),
      reuse: fc.nat(),
    })
    .map(({ score, reuse }) => ({
      valid: true,
      body: JSON.stringify({
        user_id: user,
        action_id:
          reuse % 3 === 0 && acceptedIds.length > 0
            ? acceptedIds[reuse % acceptedIds.length]!
            : `fuzz-${nextAction++}`,
        new_score: score,
      }),
    }));
const hostileValue = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.double(),
  fc.bigInt().map((n) => n.toString()),
  fc.constantFrom(null, true, -1, 1.5, 2 ** 53 + 1, '', '\u0000', '\ud800', '__proto__'),
);
const hostileBody = (user: string) =>
  fc
    .oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }),
      fc
        .record(
          {
            user_id: fc.oneof(fc.constant(user), hostileValue),
            action_id: hostileValue,
            new_score: hostileValue,
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      fc
        .dictionary(
          fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype')),
          hostileValue,
        )
        .map((extra) => JSON.stringify({ user_id: user, action_id: 'x', new_score: 1, ...extra, extra: 1 })),
      fc.constantFrom(
        '{"user_id":"alice","action_id":"x","new_score":NaN}',
        '{"user_id":"alice","action_id":"x","new_score":Infinity}',
        '{"user_id":"alice","action_id":"x","new_score":1e999}',
        '['.repeat(5000) + ']'.repeat(5000),
        `{"user_id":"alice","action_id":"x","new_score":1,"pad":"${'x'.repeat(17_000)}"}`,
      ),
    )
    .map((body) => ({ valid: false, body }));

const request: fc.Arbitrary<FuzzRequest> = fc
  .record({
    path: fc.constantFrom('/update-score' as const, '/trpc/scores.update' as const),
    auth,
    user: fc.constantFrom(...USERS),
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
    ),
    useValid: fc.boolean(),
  })
  .chain(({ useValid, user, ...rest }) =>
    (useValid ? validBody(user) : hostileBody(user)).map((b) => ({ ...rest, user, ...b })),
  );

function authorization(r: FuzzRequest): string | undefined {
  switch (r.auth.kind) {
    case 'none':
      return undefined;
    case 'own':
      return `Bearer ${tokenFor(r.user)}`;
    case 'other':
      return `Bearer ${tokenFor('mallory')}`;
    case 'service':
      return `Bearer ${serviceToken()}`;
    case 'raw':
      return r.auth.value;
  }
}

const SCORE_MAX = 5000;
const SCORE_MAX_GAIN = 1000;

/** The key of an accepted action: its user and its id. */
const actionKey = (user: string, action: string) => JSON.stringify([user, action]);

/**
 * The status the contract requires for a well-formed body, from an independent model of the
 * stored state: authentication, authorization, then replay/conflict and the score rules.
 */
function expectedStatus(
  r: FuzzRequest,
  body: { user_id: string; action_id: string; new_score: number },
  model: Map<string, number>,
  accepted: Map<string, { user: string; score: number }>,
): number {
  if (r.auth.kind === 'none' || r.auth.kind === 'raw') return 401;
  const authorized = r.auth.kind === 'service' || (r.auth.kind === 'own' && body.user_id === r.user);
  if (!authorized) return 403;
  // Action ids are per user: only the user's own earlier action is a replay or a conflict.
  const earlier = accepted.get(actionKey(body.user_id, body.action_id));
  if (earlier) return earlier.score === body.new_score ? 200 : 409;
  const current = model.get(body.user_id) ?? 0;
  if (body.new_score > SCORE_MAX) return 422;
  if (body.new_score < current) return 422; // SCORE_ALLOW_DECREASE is false
  if (body.new_score - current > SCORE_MAX_GAIN) return 422;
  return 200;
}

/** The body as the contract defines a valid one (written out here, not the server's schema). */
function wellFormed(
  raw: string | Uint8Array,
): { user_id: string; action_id: string; new_score: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value).sort();
  if (keys.join() !== 'action_id,new_score,user_id') return undefined;
  const { user_id, action_id, new_score } = value as Record<string, unknown>;
  const control = (c: string) =>
    c.charCodeAt(0) <= 0x1f || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f);
  const id = (v: unknown) =>
    typeof v === 'string' && v.length >= 1 && v.length <= 128 && ![...v].some(control) && v.isWellFormed();
  if (!id(user_id) || !id(action_id)) return undefined;
  if (typeof new_score !== 'number' || !Number.isSafeInteger(new_score) || new_score < 0) return undefined;
  return { user_id: user_id as string, action_id: action_id as string, new_score };
}

describe('fuzzing POST /update-score and scores.update', () => {
  it('never answers 5xx, stays up, and changes scores only through valid authorized requests', async () => {
    const model = new Map<string, number>();
    const accepted = new Map<string, { user: string; score: number }>();
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        const header = authorization(r);
        if (header !== undefined) headers.authorization = header;
        if (r.contentType) headers['content-type'] = r.contentType;
        const res = await fetch(server.url + r.path, {
          method: 'POST',
          headers,
          body: typeof r.body === 'string' ? r.body : Buffer.from(r.body),
        });
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
        seen.add(res.status);
        // A hostile generator can stumble on a well-formed body, so validity is decided by
        // an independent reading of the contract, not by which generator made the body.
        const body = wellFormed(r.body);
        // tRPC answers 415 to a body that is not declared JSON (fetch sends text/plain by default).
        const jsonBody = r.path === '/update-score' || r.contentType === 'application/json';
        if (body === undefined) {
          expect([400, 401, 403, 413, 415]).toContain(res.status);
        } else if (jsonBody) {
          expect(res.status).toBe(expectedStatus(r, body, model, accepted));
        }
        if (res.status === 200) {
          expect(body).toBeDefined();
          const key = actionKey(body!.user_id, body!.action_id);
          if (!accepted.has(key)) {
            acceptedIds.push(body!.action_id);
            accepted.set(key, { user: body!.user_id, score: body!.new_score });
            model.set(body!.user_id, body!.new_score);
          }
        }
        const stored = new Map(
          server
            .query<{ user_id: string; score: number }>('select user_id, score from scores')
            .map((row) => [row.user_id, row.score]),
        );
        expect(stored).toEqual(model);
      }),
      { numRuns: 400 },
    );
    // The run exercised both sides: accepted updates and the usual refusals.
    expect([...seen]).toEqual(expect.arrayContaining([200, 400, 401, 403, 409, 422]));
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  }, 180_000); // 400 requests, each followed by a read of the stored scores (psql on PostgreSQL)
});
