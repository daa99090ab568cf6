import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// Two servers with the same configuration: one answers tRPC over HTTP on the fast path, the
// other only through tRPC's own adapter. Generated requests (methods, content types, accept
// headers, byte-order marks and bad bytes, URL encodings, batch shapes, inputs, tokens, budgets
// nearly spent) go to both in the same order; status, headers and body must be the same, and
// so must the ledger, the audit trail and what is left of the budgets.
const env = {
  RATE_LIMIT_USER_PER_MIN: '6',
  RATE_LIMIT_IP_PER_MIN: '60',
  RATE_LIMIT_READS_PER_MIN: '80',
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: '10',
  SCORE_MAX_GAIN: '1000',
};
let fast: TestServer;
let adapter: TestServer;
beforeAll(async () => {
  fast = await startTestServer(env);
  adapter = await startTestServer(env, undefined, { trpcAdapterOnly: true });
});
afterAll(async () => {
  await fast.close();
  await adapter.close();
});

interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

const USERS = ['alice', 'bob', 'carol'];
const TOKENS = [
  undefined,
  ...USERS.map((user) => `Bearer ${tokenFor(user)}`),
  `Bearer ${serviceToken()}`,
  `Bearer ${tokenFor('ops', { roles: ['admin'] })}`,
  `Bearer ${tokenFor('alice', { expiresIn: -10 })}`,
  'Bearer not.a.token',
  'Basic YWxpY2U6cHc=',
];

const update = fc.record({
  user_id: fc.constantFrom(...USERS, ''),
  action_id: fc.constantFrom('a1', 'a2', 'a3', 'x'.repeat(129)),
  new_score: fc.oneof(fc.integer({ min: 0, max: 2500 }), fc.constantFrom(-1, 1.5, '7', 1e300)),
});
const leaderboardInput = fc.oneof(
  fc.record({ limit: fc.integer({ min: -1, max: 101 }) }, { requiredKeys: [] }),
  fc.record({ cursor: fc.constantFrom('bm9wZQ', '', 'x'.repeat(401)) }),
);
const userInput = fc.record(
  { user_id: fc.constantFrom(...USERS, 'nobody', ''), radius: fc.integer({ min: -1, max: 51 }) },
  { requiredKeys: ['user_id'] },
);
const oddInput = fc.constantFrom<unknown>(
  null,
  'text',
  [1, 2],
  { other: 1 },
  { user_id: { __proto__: 1 } },
  JSON.parse('{"__proto__":{"x":1}}'),
);
const input = fc.oneof(update, leaderboardInput, userInput, oddInput, fc.constant(undefined));

const PROCEDURES = [
  'scores.update',
  'leaderboard.top',
  'leaderboard.rank',
  'leaderboard.around',
  'admin.flaggedUsers',
  'admin.securityEvents',
  'admin.clearFlag',
  'leaderboard.nope',
  'constructor',
  '__proto__',
];
const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/json-patch+json',
  'text/plain',
  'application/octet-stream',
];
const ACCEPTS: Array<Record<string, string>> = [
  {},
  { accept: 'application/jsonl' },
  { accept: 'application/json, application/jsonl' },
  { 'trpc-accept': 'application/jsonl' },
  { 'trpc-accept': 'application/json' },
];
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/** How a text becomes the body: as is, after a byte-order mark, with a bad byte, too large. */
function encodeBody(text: string, variant: number): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  if (variant === 1) return Buffer.concat([BOM, bytes]);
  if (variant === 2) return Buffer.from(text.replace('"a', '"\u00e9a'), 'latin1');
  if (variant === 3) return Buffer.from(text + ' '.repeat(17_000));
  return bytes;
}

/** How a text becomes `?input=`: encodeURIComponent, spaces as `+`, or a raw string. */
function encodeQuery(text: string, variant: number): string {
  if (variant === 1) return encodeURIComponent(text).replace(/%20/g, '+');
  if (variant === 2) return text.replace(/[#&]/g, '');
  return encodeURIComponent(text);
}

const request: fc.Arbitrary<Request> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'HEAD'),
    procedures: fc.array(fc.constantFrom(...PROCEDURES), { minLength: 1, maxLength: 3 }),
    batch: fc.boolean(),
    inputs: fc.array(input, { minLength: 1, maxLength: 3 }),
    asBatchObject: fc.boolean(),
    malformed: fc.constantFrom(undefined, '{"user_id":', '[', ''),
    encoding: fc.nat(3),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    accept: fc.constantFrom(...ACCEPTS),
    authorization: fc.constantFrom(...TOKENS),
    connectionParams: fc.boolean(),
  })
  .map((r) => {
    const batch = r.batch || r.procedures.length > 1;
    const value = batch && r.asBatchObject ? Object.fromEntries(r.inputs.map((v, i) => [i, v])) : r.inputs[0];
    const text = r.malformed ?? (value === undefined ? '' : JSON.stringify(value));
    const params = new URLSearchParams();
    if (batch) params.set('batch', '1');
    if (r.connectionParams && r.encoding === 0) params.set('connectionParams', '{"token":"x"}');
    let query = params.toString();
    if (r.method !== 'POST' && text) query += `${query ? '&' : ''}input=${encodeQuery(text, r.encoding)}`;
    const headers: Record<string, string> = { ...r.accept };
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.authorization) headers.authorization = r.authorization;
    return {
      method: r.method,
      path: `/trpc/${r.procedures.join(',')}${query ? `?${query}` : ''}`,
      headers,
      body: r.method === 'POST' ? encodeBody(text, r.encoding) : undefined,
    };
  });

/** The probes the hand-picked byte-for-byte tests had: always among the cases. */
const json = { 'content-type': 'application/json' };
const as = (user: string) => ({ ...json, authorization: `Bearer ${tokenFor(user)}` });
const post = (path: string, body: string, headers: Record<string, string>): Request => ({
  method: 'POST',
  path,
  headers,
  body: Buffer.from(body),
});
const get = (path: string, headers: Record<string, string> = {}): Request => ({
  method: 'GET',
  path,
  headers,
});
const updateOf = (user: string, action: string, score: number) =>
  JSON.stringify({ user_id: user, action_id: action, new_score: score });
const EXAMPLES: Request[] = [
  post('/trpc/scores.update', updateOf('alice', 'e1', 10), as('alice')),
  post('/trpc/scores.update', updateOf('alice', 'e1', 10), as('alice')),
  post('/trpc/scores.update', updateOf('alice', 'e1', 11), as('alice')),
  post('/trpc/scores.update', updateOf('bob', 'e0', 0), as('alice')),
  post('/trpc/scores.update', '\ufeff' + updateOf('bob', 'e2', 5), as('bob')),
  {
    ...post('/trpc/scores.update', '', as('bob')),
    body: Buffer.from(updateOf('bob', 'caf\u00e9', 6), 'latin1'),
  },
  post('/trpc/scores.update', updateOf('bob', 'e3', 6), {
    ...as('bob'),
    'content-type': 'application/jsonx',
  }),
  post('/trpc/scores.update', updateOf('bob', 'e4', 7), {
    ...as('bob'),
    'content-type': 'application/json-patch+json',
  }),
  { ...get('/trpc/leaderboard.top'), headers: { 'content-type': 'multipart/form-data; boundary=x' } },
  post(
    '/trpc/scores.update,scores.update,scores.update?batch=1',
    JSON.stringify({ 0: { user_id: 'carol', action_id: 'c1', new_score: 5 }, 1: { user_id: 'carol' }, 2: 3 }),
    { ...json, authorization: `Bearer ${serviceToken()}` },
  ),
  get(`/trpc/leaderboard.top?input=${encodeURIComponent('{"limit":2}')}`),
  get('/trpc/leaderboard.top?input=%7Bbad'),
  get(
    `/trpc/leaderboard.rank,leaderboard.around?batch=1&input=${encodeURIComponent('{"0":{"user_id":"alice"}}')}`,
  ),
  get('/trpc/scores.update'),
  get('/trpc/admin.flaggedUsers', { authorization: `Bearer ${tokenFor('dan')}` }),
];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  retryAfter: number | undefined;
}

const IGNORED_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
let sent = 0;

/** Sends one request; Retry-After seconds (and their echo in a message) are taken out to compare apart, and instants are left out. */
async function answer(server: TestServer, req: Request, id: string): Promise<Answer> {
  const res = await fetch(server.url + req.path, {
    method: req.method,
    headers: { ...req.headers, 'x-request-id': id },
    body: req.body ? Buffer.from(req.body) : undefined,
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!IGNORED_HEADERS.has(name)) headers[name] = value;
  });
  const retry = headers['retry-after'];
  if (retry !== undefined) headers['retry-after'] = 'N';
  // The two servers record an audit row or a flag a few ms apart: its instants are left out.
  const body = (await res.text())
    .replace(/retry in \d+ seconds/g, 'retry in N seconds')
    .replace(/"(created_at|last_at|flagged_at|cleared_at)":"[^"]*"/g, '"$1":"T"');
  return { status: res.status, headers, body, retryAfter: retry === undefined ? undefined : Number(retry) };
}

/** The same request to both servers: the same answer (Retry-After within the second between the two sends). */
async function compare(req: Request): Promise<Answer> {
  const id = `diff-${sent++}`;
  const mine = await answer(fast, req, id);
  const theirs = await answer(adapter, req, id);
  const { retryAfter: a, ...mineRest } = mine;
  const { retryAfter: b, ...theirsRest } = theirs;
  expect(mineRest, `${req.method} ${req.path}`).toEqual(theirsRest);
  if (a !== undefined || b !== undefined) expect(Math.abs(a! - b!)).toBeLessThanOrEqual(1);
  expect(mine.status, `${req.method} ${req.path}`).not.toBe(500);
  return mine;
}

const state = async (server: TestServer) => {
  await server.flushAudit();
  return {
    ledger: server.query(
      'select action_id, user_id, previous_score, new_score, subject from score_ledger order by id',
    ),
    scores: server.query('select user_id, score from scores order by user_id'),
    audit: server.query('select kind, subject, ip, user_id, reason, count from security_events order by id'),
  };
};

describe("the fast tRPC path and tRPC's adapter answer alike", () => {
  it('gives generated requests the same status, headers and body, and leaves the same state behind', async () => {
    for (const example of EXAMPLES) await compare(example);
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        await compare(req);
      }),
      // The servers' state moves on with every case: a shrunk case would meet another state.
      { numRuns: 250, endOnFailure: true },
    );
    const [mine, theirs] = [await state(fast), await state(adapter)];
    expect(mine).toEqual(theirs);
    expect(mine.ledger.length).toBeGreaterThan(0);
    expect(mine.audit.map((e) => e.kind)).toEqual(expect.arrayContaining(['invalid_input', 'unauthorized']));
    // What is left of the budgets: the same answers to the same reads and updates from here on.
    for (let i = 0; i < 5; i++) {
      await compare(get('/trpc/leaderboard.top'));
      await compare(post('/trpc/scores.update', updateOf('alice', `left-${i}`, 2000 + i), as('alice')));
    }
  });
});
