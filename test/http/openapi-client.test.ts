import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES } from '../../shared/messages.js';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { REPO_ROOT } from '../helpers/child-server.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

// What a user of another stack does with GET /openapi.json: generate types with openapi-typescript,
// call with openapi-fetch. The client below is theirs, written against the generated types; tsc
// checks it (strict, the generated file included), and the test then calls the server through it.

const CLIENT = `import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type Answer<D, E> = { data?: D; error?: E; response: Response };
const outcome = async <D, E>(call: Promise<Answer<D, E>>) => {
  const { data, error, response } = await call;
  return { status: response.status, ...(data === undefined ? {} : { data }), ...(error === undefined ? {} : { error }) };
};

export function scoreboard(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  return {
    updateScore: (token: string, body: components['schemas']['UpdateScoreInput']) =>
      outcome(client.POST('/update-score', { body, headers: { authorization: \`Bearer \${token}\` } })),
    page: (limit: number, cursor?: string) =>
      outcome(client.GET('/leaderboard', { params: { query: { limit, ...(cursor ? { cursor } : {}) } } })),
    user: (userId: string) =>
      outcome(client.GET('/leaderboard/users/{user_id}', { params: { path: { user_id: userId } } })),
    boardPage: (board: string, window?: 'all' | 'week') =>
      outcome(client.GET('/boards/{board}/leaderboard', { params: { path: { board }, query: window ? { window } : {} } })),
    friends: (board: string, ids: string[]) =>
      outcome(client.GET('/boards/{board}/users', { params: { path: { board }, query: { ids } } })),
  };
}

/** Never called: what the generated types refuse and what they promise, for tsc. */
export async function typesOnly(client: ReturnType<typeof createClient<paths>>): Promise<void> {
  // @ts-expect-error new_score is an integer, not a string
  await client.POST('/update-score', { body: { user_id: 'a', action_id: 'b', new_score: '1' } });
  // @ts-expect-error action_id is required
  await client.POST('/update-score', { body: { user_id: 'a', new_score: 1 } });
  // @ts-expect-error there is no such route
  await client.GET('/leaderboards');
  // @ts-expect-error there is no yearly window
  await client.GET('/boards/{board}/leaderboard', { params: { path: { board: 'global' }, query: { window: 'year' } } });
  const body: components['schemas']['UpdateScoreInput'] = {
    user_id: 'a',
    action_id: 'b',
    new_score: 1,
    // @ts-expect-error the board is named by the path, not the body
    board: 'global',
  };
  void body;
  // @ts-expect-error friends need their ids
  await client.GET('/boards/{board}/users', { params: { path: { board: 'global' }, query: {} } });
  const friends = await client.GET('/boards/{board}/users', { params: { path: { board: 'global' }, query: { ids: ['a'] } } });
  if (friends.data) {
    const kind: 'all' | 'day' | 'week' | 'month' | 'season' = friends.data.window.kind;
    const reset: string | null = friends.data.window.next_reset;
    void [kind, reset];
  }
  const page = await client.GET('/leaderboard', { params: { query: { limit: 10 } } });
  if (page.data) {
    const first: { rank: number; user_id: string; score: number } | undefined = page.data.entries[0];
    const next: string | null = page.data.next_cursor;
    void [first, next];
  }
  const update = await client.POST('/update-score', { body: { user_id: 'a', action_id: 'b', new_score: 1 } });
  const ok: { status: 'success'; message: 'Score updated successfully' } | undefined = update.data;
  const refused: { status: 'error'; message: string } | undefined = update.error;
  void [ok, refused];
}
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: [],
    skipLibCheck: true,
  },
  files: ['client.ts'],
};

const run = promisify(execFile);
const resolvePackage = (name: string) =>
  dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

interface GeneratedClient {
  scoreboard(baseUrl: string): {
    updateScore(token: string, body: unknown): Promise<unknown>;
    page(limit: number, cursor?: string): Promise<{ data?: { next_cursor: string | null } }>;
    user(userId: string): Promise<unknown>;
    boardPage(board: string, window?: 'all' | 'week'): Promise<unknown>;
    friends(board: string, ids: string[]): Promise<unknown>;
  };
}

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-openapi-client-'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  writeFileSync(join(dir, 'client.ts'), CLIENT);
  const cli = join(resolvePackage('openapi-typescript'), 'bin/cli.js');
  await run(process.execPath, [cli, `${server.url}/openapi.json`, '--output', join(dir, 'schema.ts')]);
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a client generated from GET /openapi.json (openapi-typescript + openapi-fetch)', () => {
  it('has types a strict tsc accepts, as exact as the server: wrong bodies and routes are type errors', async () => {
    const tsc = join(resolvePackage('typescript'), 'bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', dir]).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  });

  it('posts scores and walks the pages of the leaderboard through the generated client', async () => {
    const { scoreboard } = (await import(pathToFileURL(join(dir, 'client.ts')).href)) as GeneratedClient;
    const api = scoreboard(server.url);
    const success = { status: 200, data: { status: 'success', message: MESSAGES.success } };
    for (const [user, score] of [
      ['alice', 300],
      ['bob', 200],
      ['carol', 100],
      ['dave', 50],
    ] as const) {
      expect(
        await api.updateScore(serviceToken(), { user_id: user, action_id: `${user}-1`, new_score: score }),
      ).toEqual(success);
    }
    expect(
      await api.updateScore(tokenFor('alice'), { user_id: 'bob', action_id: 'b-2', new_score: 1 }),
    ).toEqual({
      status: 403,
      error: { status: 'error', message: 'This token may only update the score of its own user' },
    });

    const first = await api.page(3);
    expect(first).toEqual({
      status: 200,
      data: {
        window: GLOBAL_ALL_WINDOW,
        entries: [
          { rank: 1, user_id: 'alice', score: 300 },
          { rank: 2, user_id: 'bob', score: 200 },
          { rank: 3, user_id: 'carol', score: 100 },
        ],
        next_cursor: expect.any(String),
      },
    });
    expect(await api.page(3, first.data!.next_cursor!)).toEqual({
      status: 200,
      data: {
        window: GLOBAL_ALL_WINDOW,
        entries: [{ rank: 4, user_id: 'dave', score: 50 }],
        next_cursor: null,
      },
    });
    expect(await api.page(0)).toEqual({
      status: 400,
      error: { status: 'error', message: 'limit: must be an integer from 1 to 100' },
    });
    expect(await api.user('dave')).toEqual({
      status: 200,
      data: { window: GLOBAL_ALL_WINDOW, user_id: 'dave', score: 50, rank: 4 },
    });
    // The routes of boards; openapi-fetch sends the ids as ids=a&ids=b.
    expect(await api.friends('global', ['dave', 'nobody', 'alice'])).toEqual({
      status: 200,
      data: {
        window: GLOBAL_ALL_WINDOW,
        entries: [
          { rank: 1, user_id: 'alice', score: 300 },
          { rank: 4, user_id: 'dave', score: 50 },
        ],
      },
    });
    expect(await api.boardPage('global')).toEqual(await api.page(10));
    expect(await api.boardPage('global', 'week')).toEqual({
      status: 400,
      error: { status: 'error', message: 'window: board "global" keeps no week window (it keeps all)' },
    });
    expect(await api.boardPage('nope')).toEqual({
      status: 404,
      error: { status: 'error', message: 'No board "nope"' },
    });
  });
});
