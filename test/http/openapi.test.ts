import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { MESSAGES } from '../../shared/messages.js';
import {
  boardListSchema,
  boardSummarySchema,
  leaderboardEntrySchema,
  leaderboardPageSchema,
  neighboursSchema,
  userRankSchema,
  usersStandingSchema,
  windowInfoSchema,
} from '../../shared/response-schemas.js';
import type {
  BoardList,
  BoardSummary,
  Leaderboard,
  LeaderboardEntry,
  Neighbours,
  UserRank,
  UsersStanding,
  WindowInfo,
} from '../../shared/schemas.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

interface Operation {
  operationId?: string;
  security?: unknown;
  responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
}
interface Document {
  [field: string]: unknown;
  info: { license?: unknown };
  paths: Record<string, Record<string, Operation>>;
}

const METRICS_TOKEN = 'a-metrics-token-for-the-openapi-test';

let server: TestServer;
let document: Document;
beforeAll(async () => {
  server = await startTestServer({ METRICS_TOKEN });
  document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
});
afterAll(() => server.close());

const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ key: `${method} ${path}`, operation })),
  );

async function answer(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(server.url + path, init);
  return { status: res.status, body: await res.json() };
}
const update = (token: string | undefined, body: unknown, path = '/update-score') =>
  answer(path, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const onBoard = (token: string | undefined, body: unknown, board = 'global') =>
  update(token, body, `/boards/${board}/scores`);

/**
 * A request that gets each documented example, by `<status> <method> <path>`, in the order they
 * run: the reads of alice before she has a score, her updates after.
 */
const PROVOKED: [string, () => Promise<{ status: number; body: unknown }>][] = [
  ['200 get /healthz', () => answer('/healthz')],
  ['200 get /readyz', () => answer('/readyz')],
  ['401 get /metrics', () => answer('/metrics')],
  ['400 get /leaderboard', () => answer('/leaderboard?limit=0')],
  ['400 get /leaderboard/users/{user_id}', () => answer(`/leaderboard/users/${'x'.repeat(129)}`)],
  ['404 get /leaderboard/users/{user_id}', () => answer('/leaderboard/users/alice')],
  ['400 get /leaderboard/users/{user_id}/around', () => answer('/leaderboard/users/alice/around?radius=51')],
  ['404 get /leaderboard/users/{user_id}/around', () => answer('/leaderboard/users/alice/around')],
  ['400 get /boards', () => answer('/boards?board=global')],
  ['400 get /boards/{board}/leaderboard', () => answer('/boards/global/leaderboard?window=week')],
  ['404 get /boards/{board}/leaderboard', () => answer('/boards/nope/leaderboard')],
  ['400 get /boards/{board}/users', () => answer(`/boards/global/users?ids=${'a,'.repeat(100)}a`)],
  ['404 get /boards/{board}/users', () => answer('/boards/nope/users?ids=alice')],
  ['400 get /boards/{board}/users/{user_id}', () => answer('/boards/global/users/alice?at=someday')],
  ['404 get /boards/{board}/users/{user_id}', () => answer('/boards/global/users/alice')],
  ['400 get /boards/{board}/users/{user_id}/around', () => answer('/boards/Global/users/alice/around')],
  ['404 get /boards/{board}/users/{user_id}/around', () => answer('/boards/global/users/alice/around')],
  [
    '200 post /update-score',
    () => update(tokenFor('alice'), { user_id: 'alice', action_id: 'a-1', new_score: 100 }),
  ],
  ['400 post /update-score', () => update(tokenFor('alice'), { user_id: 'alice', action_id: 'a-2' })],
  ['401 post /update-score', () => update(undefined, { user_id: 'alice', action_id: 'a-2', new_score: 110 })],
  [
    '403 post /update-score',
    () => update(tokenFor('alice'), { user_id: 'bob', action_id: 'b-1', new_score: 10 }),
  ],
  [
    '409 post /update-score',
    () => update(tokenFor('alice'), { user_id: 'alice', action_id: 'a-1', new_score: 120 }),
  ],
  ['413 post /update-score', () => update(tokenFor('alice'), `{"pad":"${'x'.repeat(17_000)}"}`)],
  [
    '422 post /update-score',
    () => update(tokenFor('alice'), { user_id: 'alice', action_id: 'a-3', new_score: 90 }),
  ],
  [
    '200 post /boards/{board}/scores',
    () => onBoard(tokenFor('alice'), { user_id: 'alice', action_id: 'a-4', new_score: 100 }),
  ],
  [
    '400 post /boards/{board}/scores',
    () => onBoard(tokenFor('alice'), { user_id: 'alice', action_id: 'a-5' }),
  ],
  [
    '401 post /boards/{board}/scores',
    () => onBoard(undefined, { user_id: 'alice', action_id: 'a-5', new_score: 110 }),
  ],
  [
    '403 post /boards/{board}/scores',
    () => onBoard(tokenFor('alice'), { user_id: 'bob', action_id: 'b-1', new_score: 10 }),
  ],
  [
    '404 post /boards/{board}/scores',
    () => onBoard(tokenFor('alice'), { user_id: 'alice', action_id: 'a-5', new_score: 110 }, 'nope'),
  ],
  [
    '409 post /boards/{board}/scores',
    () => onBoard(tokenFor('alice'), { user_id: 'alice', action_id: 'a-1', new_score: 120 }),
  ],
  ['413 post /boards/{board}/scores', () => onBoard(tokenFor('alice'), `{"pad":"${'x'.repeat(17_000)}"}`)],
  [
    '422 post /boards/{board}/scores',
    () => onBoard(tokenFor('alice'), { user_id: 'alice', action_id: 'a-5', new_score: 90 }),
  ],
];
/** Examples no request here provokes: budgets and a database that is down (their own suites). */
const NOT_PROVOKED = [
  '429 post /update-score',
  '429 get /leaderboard',
  '429 get /leaderboard/users/{user_id}',
  '429 get /leaderboard/users/{user_id}/around',
  '429 get /boards',
  '429 post /boards/{board}/scores',
  '429 get /boards/{board}/leaderboard',
  '429 get /boards/{board}/users',
  '429 get /boards/{board}/users/{user_id}',
  '429 get /boards/{board}/users/{user_id}/around',
  '503 post /update-score',
  '503 post /boards/{board}/scores',
  '503 get /readyz',
];

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (checked by a maintained validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names each plain HTTP route, each operation with an id, who may call it and its refusals', () => {
    expect(
      Object.fromEntries(
        operations().map(({ key, operation }) => [
          key,
          [operation.operationId, operation.security, Object.keys(operation.responses).sort()],
        ]),
      ),
    ).toEqual({
      'post /update-score': [
        'updateScore',
        [{ bearerJwt: [] }],
        ['200', '400', '401', '403', '409', '413', '422', '429', '431', '503'],
      ],
      'get /leaderboard': ['getLeaderboard', [], ['200', '400', '429', '431']],
      'get /leaderboard/users/{user_id}': ['getUserRank', [], ['200', '400', '404', '429', '431']],
      'get /leaderboard/users/{user_id}/around': ['getUsersAround', [], ['200', '400', '404', '429', '431']],
      'get /boards': ['getBoards', [], ['200', '304', '400', '429', '431']],
      'post /boards/{board}/scores': [
        'updateBoardScore',
        [{ bearerJwt: [] }],
        ['200', '400', '401', '403', '404', '409', '413', '422', '429', '431', '503'],
      ],
      'get /boards/{board}/leaderboard': ['getBoardLeaderboard', [], ['200', '400', '404', '429', '431']],
      'get /boards/{board}/users': ['getBoardUsers', [], ['200', '400', '404', '429', '431']],
      'get /boards/{board}/users/{user_id}': ['getBoardUserRank', [], ['200', '400', '404', '429', '431']],
      'get /boards/{board}/users/{user_id}/around': [
        'getBoardUsersAround',
        [],
        ['200', '400', '404', '429', '431'],
      ],
      'get /healthz': ['getHealth', [], ['200', '431']],
      'get /readyz': ['getReadiness', [], ['200', '431', '503']],
      'get /metrics': ['getMetrics', [{ metricsToken: [] }, {}], ['200', '401', '431']],
      'get /openapi.json': ['getOpenApiDocument', [], ['200', '431']],
    });
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });

  it('documents as examples the very bodies the server answers, the literal ones of the spec among them', async () => {
    const examples = new Map<string, unknown>(
      operations().flatMap(({ key, operation }) =>
        Object.entries(operation.responses).flatMap(([status, response]) => {
          const example = response.content?.['application/json']?.example;
          return example === undefined ? [] : [[`${status} ${key}`, example] as [string, unknown]];
        }),
      ),
    );
    expect([...examples.keys()].sort()).toEqual([...PROVOKED.map(([key]) => key), ...NOT_PROVOKED].sort());
    for (const [key, provoke] of PROVOKED) {
      expect({ key, ...(await provoke()) }).toEqual({
        key,
        status: Number(key.split(' ')[0]),
        body: examples.get(key),
      });
    }
    expect(examples.get('200 post /update-score')).toEqual({ status: 'success', message: MESSAGES.success });
    expect(examples.get('400 post /update-score')).toEqual({ status: 'error', message: MESSAGES.badRequest });
    expect(examples.get('401 post /update-score')).toEqual({
      status: 'error',
      message: MESSAGES.unauthorized,
    });
  });

  it('answers the reads with bodies their response schemas accept, and nothing more', async () => {
    await update(tokenFor('bob'), { user_id: 'bob', action_id: 'b-1', new_score: 5 });
    expect(
      leaderboardPageSchema.safeParse((await answer('/leaderboard?limit=1')).body).error,
    ).toBeUndefined();
    expect(userRankSchema.safeParse((await answer('/leaderboard/users/bob')).body).error).toBeUndefined();
    expect(
      neighboursSchema.safeParse((await answer('/leaderboard/users/bob/around')).body).error,
    ).toBeUndefined();
    for (const [schema, path] of [
      [boardListSchema, '/boards'],
      [leaderboardPageSchema, '/boards/global/leaderboard?limit=1'],
      [userRankSchema, '/boards/global/users/bob'],
      [neighboursSchema, '/boards/global/users/bob/around'],
      [usersStandingSchema, '/boards/global/users?ids=bob,alice'],
    ] as const) {
      const { status, body } = await answer(path);
      expect({ path, status, error: schema.safeParse(body).error }).toEqual({
        path,
        status: 200,
        error: undefined,
      });
    }
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect([metrics.status, metrics.headers.get('content-type')?.split(';')[0]]).toEqual([200, 'text/plain']);
  });

  it('is right that any request with headers over 16 KiB gets a 431', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-padding': 'x'.repeat(17_000) } });
    expect(res.status).toBe(431);
  });

  it('describes the bodies with schemas of exactly the types the SDK publishes', () => {
    expectTypeOf<z.output<typeof leaderboardEntrySchema>>().toEqualTypeOf<LeaderboardEntry>();
    expectTypeOf<z.output<typeof leaderboardPageSchema>>().toEqualTypeOf<Leaderboard>();
    expectTypeOf<z.output<typeof userRankSchema>>().toEqualTypeOf<UserRank>();
    expectTypeOf<z.output<typeof neighboursSchema>>().toEqualTypeOf<Neighbours>();
    expectTypeOf<z.output<typeof usersStandingSchema>>().toEqualTypeOf<UsersStanding>();
    expectTypeOf<z.output<typeof windowInfoSchema>>().toEqualTypeOf<WindowInfo>();
    expectTypeOf<z.output<typeof boardSummarySchema>>().toEqualTypeOf<BoardSummary>();
    expectTypeOf<z.output<typeof boardListSchema>>().toEqualTypeOf<BoardList>();
  });
});

describe('GET /docs', () => {
  it('serves a readable API page and its assets from the server itself, no CDN', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const [asset, type] of [
      ['swagger-ui.css', 'text/css'],
      ['swagger-ui-bundle.js', 'text/javascript'],
      ['init.js', 'text/javascript'],
    ]) {
      const res = await fetch(`${server.url}/docs/${asset}`);
      expect([res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([200, type]);
      expect((await res.text()).length).toBeGreaterThan(asset === 'init.js' ? 20 : 10_000);
    }
    expect(await (await fetch(`${server.url}/docs/init.js`)).text()).toContain("url: '/openapi.json'");
    expect((await fetch(`${server.url}/docs/elsewhere.js`)).status).toBe(404);
  });
});
