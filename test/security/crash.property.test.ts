import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// Nothing a client sends may end the process or be answered as an internal error: generated
// paths under every route prefix (inherited object keys among them), deep nesting in every JSON
// body, query input and frame, huge numbers and odd Unicode. After each request /healthz still
// answers, and at the end no internal error was counted.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ...UNLIMITED, WS_MAX_MESSAGES_PER_SECOND: '1000000' });
});
afterAll(() => server.close());

const PREFIXES = [
  '/',
  '/docs/',
  '/docs',
  '/leaderboard/users/',
  '/leaderboard/',
  '/trpc/',
  '/trpc/leaderboard.',
  '/update-score/',
  '/healthz/',
  '/metrics/',
  '/openapi.json/',
];
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'then'];
const ODD = ['%00', '%E0%A4%A', '..', '%2F', '%2e%2e', '%F0%9F%98%80', '%ED%A0%80', '%EF%BB%BF', '\u202e'];
const segment = fc.oneof(
  fc.constantFrom(...INHERITED, ...ODD, 'around', 'users', 'live', 'update'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,20}$/),
);
const path = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([prefix, segments, batch]) => `${prefix}${segments.join('/')}${batch ? '?batch=1' : ''}`);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');

/** `depth` arrays around `leaf`, as text (never built as an object here: only the server parses it). */
const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const ODD_JSON = [
  nested(7_000),
  nestedObject(3_000),
  `{"user_id":${nested(7_000, '"u"')},"action_id":"a","new_score":1}`,
  '{"user_id":"u","action_id":"a","new_score":1e400}',
  '{"user_id":"u","action_id":"a","new_score":-0}',
  '{"user_id":"u","action_id":"a","new_score":18446744073709551616}',
  '{"user_id":"\\ud800","action_id":"\\udfff","new_score":1}',
  '{"user_id":"\u202e\u0000","action_id":"a","new_score":1}',
  '\ufeff{"user_id":"u","action_id":"a","new_score":1}',
  '{"__proto__":{"admin":true},"user_id":"u","action_id":"a","new_score":1}',
  '{"0":' + nested(5_000) + '}',
  '',
  'null',
  '"x"',
  '[',
];
const body = fc.oneof(fc.constantFrom(...ODD_JSON), fc.json({ maxDepth: 4 }));
const authorization = fc.constantFrom(
  undefined,
  `Bearer ${serviceToken()}`,
  `Bearer ${tokenFor('u', { roles: ['admin'] })}`,
  'Bearer x.y.z',
  `Bearer ${'a'.repeat(5000)}`,
);

async function healthy(): Promise<void> {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
}

async function internalErrors(): Promise<string[]> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('scoreboard_internal_errors_total'));
}

describe('nothing a client sends ends the process or is an internal error', () => {
  it('answers generated paths under every route prefix (inherited keys too) without a 500', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, async (verb, target) => {
        const res = await fetch(server.url + target, {
          method: verb,
          body: verb === 'POST' ? '{}' : undefined,
        });
        await res.arrayBuffer();
        expect(res.status, `${verb} ${target}`).toBeLessThan(500);
        await healthy();
      }),
      {
        numRuns: 300,
        // The requests that ended the process once, always among the cases.
        examples: [
          ['GET', '/docs/constructor'],
          ['GET', '/docs/__proto__'],
          ['GET', '/docs/toString'],
        ],
      },
    );
    expect(await internalErrors()).toEqual([]);
  });

  it('answers deep, huge and odd JSON in bodies and query inputs without a 500', async () => {
    const targets = [
      { verb: 'POST', path: '/update-score', inQuery: false },
      { verb: 'POST', path: '/trpc/scores.update', inQuery: false },
      { verb: 'POST', path: '/trpc/admin.clearFlag', inQuery: false },
      { verb: 'POST', path: '/trpc/scores.update,scores.update?batch=1', inQuery: false },
      { verb: 'GET', path: '/trpc/leaderboard.top', inQuery: true },
      { verb: 'GET', path: '/trpc/leaderboard.rank,leaderboard.around?batch=1', inQuery: true },
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), body, authorization, async (target, json, auth) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (auth) headers.authorization = auth;
        const url = target.inQuery
          ? `${server.url}${target.path}${target.path.includes('?') ? '&' : '?'}input=${encodeURIComponent(json.slice(0, 12_000))}`
          : server.url + target.path;
        const res = await fetch(url, {
          method: target.verb,
          headers,
          body: target.inQuery ? undefined : json,
        });
        await res.arrayBuffer();
        expect(res.status, `${target.path} ${json.slice(0, 60)}`).toBeLessThan(500);
        await healthy();
      }),
      { numRuns: 200 },
    );
    expect(await internalErrors()).toEqual([]);
  });

  it('answers deep and odd WebSocket frames (ids, inputs, batches) and stays up', async () => {
    const frames = [
      `{"id":${nested(25_000)},"method":"subscription","params":{"path":"leaderboard.live"}}`,
      `[{"id":1,"method":"subscription","params":{"path":"leaderboard.live"}},{"id":2,"method":"query","params":{"path":"leaderboard.top","input":${nested(25_000)}}}]`,
      `{"id":3,"method":"subscription","params":{"path":"leaderboard.watchUser","input":{"user_id":${nested(20_000, '"u"')}}}}`,
      `{"id":4,"method":"subscription","params":{"path":"leaderboard.live","lastEventId":${nested(10_000, '"1"')}}}`,
      `{"id":5,"method":"subscription","params":{"path":"constructor"}}`,
      `{"id":6,"method":"subscription","params":{"path":"__proto__"}}`,
      `{"id":7,"method":"query","params":{"path":"toString"}}`,
      `{"id":8,"method":"subscription.stop"}`,
      `{"id":1e400,"method":"subscription","params":{"path":"leaderboard.live"}}`,
      `{"method":"subscription","params":{"path":"leaderboard.live"}}`,
      `{"id":"\\ud800","method":"subscription","params":{"path":"leaderboard.live","input":{"limit":1e400}}}`,
      nestedObject(10_000),
      '\ufeff[]',
      'PING',
      '',
    ];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const received: string[] = [];
    ws.on('message', (data) => received.push(String(data)));
    ws.on('close', (code, reason) => received.push(`closed ${code} ${reason}`));
    for (const frame of frames) ws.send(frame);
    // A query after them all is answered: the socket (and the process) kept serving.
    ws.send(JSON.stringify({ id: 'last', method: 'query', params: { path: 'leaderboard.top' } }));
    await expect
      .poll(() => received.some((m) => m.startsWith(`{"id":"last"`)), { timeout: 10_000 })
      .toBe(true);
    expect(received.some((m) => m.includes('Invalid request id') || m.includes('PARSE_ERROR'))).toBe(true);
    ws.terminate();
    await healthy();
    expect(await internalErrors()).toEqual([]);
  });
});
