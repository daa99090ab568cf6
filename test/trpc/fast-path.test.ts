import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// Two servers with the same configuration: one answers tRPC over HTTP on the fast path, the
// other through tRPC's own adapter. The same requests, in the same order, must get the same
// status, content type and body, byte for byte.
let fast: TestServer;
let adapter: TestServer;
const env = { RATE_LIMIT_USER_PER_MIN: '3', RATE_LIMIT_READS_PER_MIN: '1000' };
beforeAll(async () => {
  fast = await startTestServer(env);
  adapter = await startTestServer(env, undefined, { trpcAdapterOnly: true });
});
afterAll(async () => {
  await fast.close();
  await adapter.close();
});

interface Probe {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const json = { 'content-type': 'application/json' };
const as = (user: string, roles?: string[]) => ({
  ...json,
  authorization: `Bearer ${tokenFor(user, roles ? { roles } : {})}`,
});
const update = (user: string, action: string, score: number) =>
  JSON.stringify({ user_id: user, action_id: action, new_score: score });
/** A GET of one procedure with its input. */
const query = (name: string, procedure: string, input: unknown): Probe => ({
  name,
  method: 'GET',
  path: `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
});
const batchInput = (inputs: unknown[]) =>
  encodeURIComponent(JSON.stringify(Object.fromEntries(inputs.map((v, i) => [i, v]))));

const probes: Probe[] = [
  {
    name: 'a mutation that applies',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('alice', 'a1', 10),
    headers: as('alice'),
  },
  {
    name: 'the same action replayed',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('alice', 'a1', 10),
    headers: as('alice'),
  },
  {
    name: 'a conflicting action (409)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('alice', 'a1', 11),
    headers: as('alice'),
  },
  {
    name: 'a rate-limited update (429)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('alice', 'a2', 12),
    headers: as('alice'),
  },
  {
    name: 'a decrease (422)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('bob', 'b0', 0),
    headers: as('bob'),
  },
  {
    name: 'another user (403)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('carol', 'c1', 5),
    headers: as('mallory'),
  },
  {
    name: 'no token (401)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('carol', 'c1', 5),
    headers: json,
  },
  {
    name: 'invalid input (400)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: '{"user_id":"dan","action_id":"d","new_score":"1"}',
    headers: as('dan'),
  },
  {
    name: 'malformed JSON (400)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: '{"user_id":',
    headers: as('dan'),
  },
  { name: 'an empty body (400)', method: 'POST', path: '/trpc/scores.update', body: '', headers: as('dan') },
  {
    name: 'a body over 16 KiB (413)',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('dan', 'x'.repeat(17_000), 1),
    headers: as('dan'),
  },
  {
    name: 'a batch of mutations, mixed outcomes (207)',
    method: 'POST',
    path: '/trpc/scores.update,scores.update,scores.update?batch=1',
    body: JSON.stringify({
      0: { user_id: 'erin', action_id: 'e1', new_score: 5 },
      1: { user_id: 'erin', action_id: 'e2', new_score: 9000 },
      2: { bad: 1 },
    }),
    headers: { ...json, authorization: `Bearer ${serviceToken()}` },
  },
  {
    name: 'a batch input that is not an object',
    method: 'POST',
    path: '/trpc/scores.update?batch=1',
    body: '[1]',
    headers: as('dan'),
  },
  query('a query', 'leaderboard.top', { limit: 2 }),
  { name: 'a query without input', method: 'GET', path: '/trpc/leaderboard.top' },
  query('a query with a bad input (400)', 'leaderboard.top', { limit: 0 }),
  { name: 'a query with malformed input', method: 'GET', path: '/trpc/leaderboard.top?input=%7Bbad' },
  query('a cursor the server never gave out (400)', 'leaderboard.top', { cursor: 'bm9wZQ' }),
  query('a rank query with a bad user id (400)', 'leaderboard.rank', { user_id: '' }),
  query('a neighbours query', 'leaderboard.around', { user_id: 'alice', radius: 2 }),
  query('a neighbours query with a bad radius (400)', 'leaderboard.around', { user_id: 'alice', radius: 99 }),
  query('a NOT_FOUND query', 'leaderboard.rank', { user_id: 'nobody' }),
  {
    name: 'a batch of queries, mixed outcomes',
    method: 'GET',
    path: `/trpc/leaderboard.rank,leaderboard.rank,leaderboard.around?batch=1&input=${batchInput([{ user_id: 'alice' }, { user_id: 'nobody' }, { user_id: 'alice', radius: 1 }])}`,
  },
  {
    name: 'a batch of queries, all fine',
    method: 'GET',
    path: `/trpc/leaderboard.top,leaderboard.top?batch=1&input=${batchInput([{ limit: 1 }, {}])}`,
  },
  { name: 'an unknown procedure (404)', method: 'GET', path: '/trpc/leaderboard.nope' },
  { name: 'a mutation over GET (405)', method: 'GET', path: '/trpc/scores.update' },
  {
    name: 'a query over POST (405)',
    method: 'POST',
    path: '/trpc/leaderboard.top',
    body: '{}',
    headers: json,
  },
  {
    name: 'a mutation without a JSON content type',
    method: 'POST',
    path: '/trpc/scores.update',
    body: update('dan', 'd9', 1),
    headers: { authorization: as('dan').authorization },
  },
  {
    name: 'an admin query without the role (403)',
    method: 'GET',
    path: '/trpc/admin.flaggedUsers',
    headers: as('dan'),
  },
  {
    name: 'an admin query',
    method: 'GET',
    path: `/trpc/admin.flaggedUsers?input=${encodeURIComponent('{}')}`,
    headers: as('ops', ['admin']),
  },
];

async function answer(server: TestServer, probe: Probe) {
  const res = await fetch(server.url + probe.path, {
    method: probe.method,
    headers: probe.headers,
    body: probe.body,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    vary: res.headers.get('vary'),
    retryAfter: res.headers.get('retry-after') !== null,
    body: await res.text(),
  };
}

describe("the fast tRPC path answers byte for byte as tRPC's adapter", () => {
  it.each(probes)('$name', async (probe) => {
    const [mine, theirs] = [await answer(fast, probe), await answer(adapter, probe)];
    expect(mine).toEqual(theirs);
  });

  it('leaves both servers with the same stored state and the same audit trail', () => {
    const state = (s: TestServer) =>
      s.query('select action_id, user_id, previous_score, new_score from score_ledger order by id');
    expect(state(fast)).toEqual(state(adapter));
    expect(state(fast).length).toBeGreaterThan(1);
    const audit = (s: TestServer) =>
      s.query('select kind, subject, user_id, reason, count from security_events order by id');
    expect(audit(fast)).toEqual(audit(adapter));
    expect(audit(fast).map((e) => e.kind)).toContain('invalid_input');
  });
});

describe('the fast tRPC path spends the read budget as tRPC does', () => {
  let fastReads: TestServer;
  let adapterReads: TestServer;
  const reads = { RATE_LIMIT_READS_PER_MIN: '2' };
  beforeAll(async () => {
    fastReads = await startTestServer(reads);
    adapterReads = await startTestServer(reads, undefined, { trpcAdapterOnly: true });
  });
  afterAll(async () => {
    await fastReads.close();
    await adapterReads.close();
  });

  it('answers the read past the budget 429 with Retry-After, byte for byte', async () => {
    const probe: Probe = { name: 'top', method: 'GET', path: '/trpc/leaderboard.top' };
    const answers = async (s: TestServer) => [
      await answer(s, probe),
      await answer(s, probe),
      await answer(s, probe),
    ];
    const [mine, theirs] = [await answers(fastReads), await answers(adapterReads)];
    expect(mine).toEqual(theirs);
    expect(mine.map((a) => [a.status, a.retryAfter])).toEqual([
      [200, false],
      [200, false],
      [429, true],
    ]);
  });
});
