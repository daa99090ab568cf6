import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

// CORS as a browser sees it, with plain fetch (Node's fetch sends any Origin it is given).
// The browser half, a real cross-origin page in Chromium, is test/e2e/cors.e2e.test.ts.

const GAME = 'https://game.example';
const LOCAL = 'http://127.0.0.1:5173';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ALLOWED_ORIGINS: `${GAME}, ${LOCAL}`, RATE_LIMIT_USER_PER_MIN: '2' });
});
afterAll(() => server.close());

/** Every `access-control-*` header of a response. */
function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-')));
}

/** A preflight as Chromium sends it before a tRPC mutation with a bearer token. */
function preflight(origin: string, path = '/trpc/scores.update', target: TestServer = server) {
  return fetch(target.url + path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
}

function update(origin: string | undefined, user: string, score: number, token = tokenFor(user)) {
  return fetch(`${server.url}/trpc/scores.update`, {
    method: 'POST',
    headers: {
      ...(origin ? { origin } : {}),
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ user_id: user, action_id: randomUUID(), new_score: score }),
  });
}

const scoreOf = (user: string) =>
  server.query<{ score: number }>('select score from scores where user_id = ?', user)[0]?.score;

/** The status a WebSocket upgrade to /trpc gets from this Origin (101: opened). */
function upgradeStatus(target: TestServer, origin: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${target.url.replace('http', 'ws')}/trpc`, { origin });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => {});
  });
}

describe('CORS preflight (OPTIONS)', () => {
  it('answers an allowed origin with 204, no body and exactly these CORS headers', async () => {
    const res = await preflight(GAME);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': GAME,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, x-request-id, trpc-accept',
      'access-control-expose-headers': 'retry-after, x-request-id',
      'access-control-max-age': '600',
    });
    expect(res.headers.get('vary')).toBe('origin');
    // The origin is echoed, never `*`, and no credentials (cookies) are invited.
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('answers the same for every allowed origin and every path (REST routes too)', async () => {
    for (const [origin, path] of [
      [LOCAL, '/trpc/scores.update'],
      [LOCAL, '/trpc/leaderboard.top'],
      [GAME, '/update-score'],
    ] as const) {
      const res = await preflight(origin, path);
      expect(res.status, `${origin} ${path}`).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['localhost for 127.0.0.1 (two origins, whatever it resolves to)', 'http://localhost:5173'],
    ['another port', 'http://127.0.0.1:5174'],
    ['another scheme', 'https://127.0.0.1:5173'],
    ['a name that only starts like an allowed one', 'https://game.example.evil.com'],
    ['the opaque origin of a sandboxed page or file:', 'null'],
  ])('refuses %s with 403, a JSON error and no CORS headers', async (_label, origin) => {
    const res = await preflight(origin);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      status: 'error',
      message: `Origin ${origin} is not allowed (see ALLOWED_ORIGINS)`,
    });
    expect(corsHeaders(res)).toEqual({});
    expect(res.headers.get('vary')).toBe('origin');
  });

  it("allows the server's own origin without listing it", async () => {
    const res = await preflight(server.url);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(server.url);
  });
});

describe('CORS on actual requests', () => {
  it('a tRPC mutation and query from an allowed origin carry Access-Control-Allow-Origin', async () => {
    const res = await update(GAME, 'amy', 40);
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': GAME,
      'access-control-expose-headers': 'retry-after, x-request-id',
    });
    expect((await res.json()).result.data).toMatchObject({ user_id: 'amy', score: 40, applied: true });
    expect(scoreOf('amy')).toBe(40);

    const top = await fetch(`${server.url}/trpc/leaderboard.top`, { headers: { origin: LOCAL } });
    expect(top.status).toBe(200);
    expect(top.headers.get('access-control-allow-origin')).toBe(LOCAL);
    expect((await top.json()).result.data.entries).toContainEqual({ rank: 1, user_id: 'amy', score: 40 });
  });

  it('REST routes from an allowed origin carry it too, with Vary: origin', async () => {
    const res = await fetch(`${server.url}/leaderboard`, { headers: { origin: GAME } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(res.headers.get('vary')).toBe('origin');
  });

  it('errors carry it, so the page can read them: 401 from tRPC, 429 with a readable Retry-After', async () => {
    const unauthorized = await update(GAME, 'ben', 5, 'not-a-token');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(scoreOf('ben')).toBeUndefined();

    // RATE_LIMIT_USER_PER_MIN=2: the third update of one user in a minute is refused.
    const post = (score: number) =>
      fetch(`${server.url}/update-score`, {
        method: 'POST',
        headers: {
          origin: GAME,
          authorization: `Bearer ${tokenFor('cleo')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ user_id: 'cleo', action_id: randomUUID(), new_score: score }),
      });
    expect((await post(1)).status).toBe(200);
    expect((await post(2)).status).toBe(200);
    const limited = await post(3);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers.get('access-control-expose-headers')?.split(', ')).toContain('retry-after');
    expect(scoreOf('cleo')).toBe(2);
  });

  it('a request from a foreign origin is answered without CORS headers (the browser withholds it)', async () => {
    const res = await fetch(`${server.url}/trpc/leaderboard.top`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });

  it('a request without Origin (not a browser, or same-origin) gets no CORS headers at all', async () => {
    const get = await fetch(`${server.url}/trpc/leaderboard.top`);
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual({});

    const post = await update(undefined, 'dora', 7);
    expect(post.status).toBe(200);
    expect(corsHeaders(post)).toEqual({});
    expect(scoreOf('dora')).toBe(7);

    const options = await fetch(`${server.url}/trpc/scores.update`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(corsHeaders(options)).toEqual({});
  });

  // tRPC's adapter sets its own `vary: trpc-accept, accept`; without care it replaces the
  // `vary: origin`, and a shared cache could serve one origin's response to another.
  it('tRPC responses to an allowed origin say Vary: origin', async () => {
    const res = await fetch(`${server.url}/trpc/leaderboard.top`, { headers: { origin: GAME } });
    expect(res.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(res.headers.get('vary')?.split(/,\s*/)).toContain('origin');
  });
});

describe('one list for CORS and the WebSocket origin check', () => {
  it('ALLOWED_ORIGINS lets the same origins open the WebSocket, and no others', async () => {
    expect(await upgradeStatus(server, GAME)).toBe(101);
    expect(await upgradeStatus(server, LOCAL)).toBe(101);
    expect(await upgradeStatus(server, 'http://localhost:5173')).toBe(403);
  });

  it('WS_ALLOWED_ORIGINS, the old name, allows CORS as well', async () => {
    const legacy = await startTestServer({ WS_ALLOWED_ORIGINS: GAME });
    try {
      expect((await preflight(GAME, undefined, legacy)).status).toBe(204);
      expect((await preflight(LOCAL, undefined, legacy)).status).toBe(403);
      expect(await upgradeStatus(legacy, GAME)).toBe(101);
    } finally {
      await legacy.close();
    }
  });

  it('`*` allows any origin, echoed back rather than sent as `*`', async () => {
    const open = await startTestServer({ ALLOWED_ORIGINS: '*' });
    try {
      const res = await preflight('https://anyone.example', undefined, open);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://anyone.example');
      expect(await upgradeStatus(open, 'https://anyone.example')).toBe(101);
    } finally {
      await open.close();
    }
  });

  it('with no list, only the server itself may call: a preflight from elsewhere is refused', async () => {
    const closed = await startTestServer();
    try {
      expect((await preflight(GAME, undefined, closed)).status).toBe(403);
      expect((await preflight(closed.url, undefined, closed)).status).toBe(204);
      expect(await upgradeStatus(closed, GAME)).toBe(403);
    } finally {
      await closed.close();
    }
  });
});
