import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';
import { launchChromium } from './chromium.js';

// A game site on one origin calls the API on another, from a real page in Chromium, so the
// browser itself enforces CORS (preflight, Access-Control-Allow-Origin) and sends the Origin
// of the WebSocket. Every server listens on 127.0.0.1 with its own port: three origins.

/** A tiny static site: its page has no script; the test runs code in it with page.evaluate. */
interface Site {
  readonly origin: string;
  close(): Promise<void>;
}

async function startSite(name: string): Promise<Site> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${name}</title></head><body><h1>${name}</h1></body></html>`;
  const server = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What reached the API: each HTTP request with its answer, and each WebSocket upgrade. */
interface Seen {
  method: string;
  path: string;
  origin: string | undefined;
  status: number;
}

let browser: Browser;
let game: Site; // in ALLOWED_ORIGINS
let elsewhere: Site; // not in it
let api: TestServer;
const requests: Seen[] = [];
const upgrades: (string | undefined)[] = [];
const closeAfterTest: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  game = await startSite('Game site');
  elsewhere = await startSite('Somewhere else');
  api = await startTestServer({ ALLOWED_ORIGINS: game.origin });
  // Observed only: these listeners run after the app's own and never write to the response.
  api.app.server.on('request', (req, res) => {
    res.once('finish', () =>
      requests.push({
        method: req.method ?? '',
        path: new URL(req.url ?? '/', api.url).pathname,
        origin: req.headers.origin,
        status: res.statusCode,
      }),
    );
  });
  api.app.server.on('upgrade', (req) => upgrades.push(req.headers.origin));
});

afterEach(async () => {
  for (const close of closeAfterTest.splice(0)) await close();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await game?.close();
  await elsewhere?.close();
});

/** A fresh browser context (no cached preflight) with a page on `site`, collecting console errors. */
async function openPage(site: Site): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  closeAfterTest.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${site.origin}/`);
  expect(await page.evaluate(() => location.origin)).toBe(site.origin);
  return { page, errors };
}

/** How one call ended, as the page's own code sees it. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

interface Calls {
  update: Outcome<{ status: number; body: any }>;
  top: Outcome<{ status: number; body: any }>;
  socket: { opened: boolean; closeCode?: number; errored: boolean; snapshot?: any };
}

/**
 * Runs in the page: the three calls a game frontend makes. A tRPC mutation with a bearer
 * token and a JSON body (neither is CORS-safelisted, so the browser sends a preflight), a
 * tRPC query, and a WebSocket that subscribes to the live board and waits for its first
 * snapshot (or for the socket to close).
 */
function callApi(page: Page, input: { api: string; token: string; actionId: string; score: number }) {
  return page.evaluate(async ({ api, token, actionId, score }): Promise<Calls> => {
    async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
      try {
        return { ok: true, value: await run() };
      } catch (error) {
        return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    }
    const update = await outcome(async () => {
      const res = await fetch(`${api}/trpc/scores.update`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'alice', action_id: actionId, new_score: score }),
      });
      return { status: res.status, body: await res.json() };
    });
    const top = await outcome(async () => {
      const res = await fetch(`${api}/trpc/leaderboard.top`);
      return { status: res.status, body: await res.json() };
    });
    const socket = await new Promise<Calls['socket']>((resolve) => {
      const state: Calls['socket'] = { opened: false, errored: false };
      const ws = new WebSocket(`${api.replace(/^http/, 'ws')}/trpc`);
      ws.onopen = () => {
        state.opened = true;
        ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'leaderboard.live' } }));
      };
      ws.onerror = () => {
        state.errored = true;
      };
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data));
        if (message.id === 1 && message.result?.type === 'data') {
          state.snapshot = message.result.data.data;
          ws.close(1000);
        }
      };
      ws.onclose = (event) => resolve({ ...state, closeCode: event.code });
    });
    return { update, top, socket };
  }, input);
}

const ledgerOf = (actionId: string) =>
  api.query('select user_id, new_score, subject from score_ledger where action_id = ?', actionId);
/** `text` as a literal in a regular expression. */
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const scoreOf = (user: string) =>
  api.query<{ score: number }>('select score from scores where user_id = ?', user)[0]?.score;

describe('the API called from a page on another origin (Chromium)', () => {
  it('from an allowed origin: the mutation (after its preflight), the query and the live WebSocket all work', async () => {
    const { page, errors } = await openPage(game);
    const actionId = randomUUID();
    requests.length = 0;
    upgrades.length = 0;

    const calls = await callApi(page, { api: api.url, token: tokenFor('alice'), actionId, score: 100 });

    expect(calls.update).toEqual({
      ok: true,
      value: {
        status: 200,
        body: {
          result: { data: { user_id: 'alice', score: 100, previous_score: 0, rank: 1, applied: true } },
        },
      },
    });
    expect(calls.top).toEqual({
      ok: true,
      value: {
        status: 200,
        body: {
          result: {
            data: {
              window: GLOBAL_ALL_WINDOW,
              entries: [{ rank: 1, user_id: 'alice', score: 100 }],
              next_cursor: null,
            },
          },
        },
      },
    });
    expect(calls.socket).toMatchObject({ opened: true, errored: false, closeCode: 1000 });
    expect(calls.socket.snapshot.entries).toEqual([{ rank: 1, user_id: 'alice', score: 100 }]);
    expect(errors).toEqual([]);

    // The browser asked first (OPTIONS, 204), then sent the mutation; every call carried the page's origin.
    expect(requests).toEqual([
      { method: 'OPTIONS', path: '/trpc/scores.update', origin: game.origin, status: 204 },
      { method: 'POST', path: '/trpc/scores.update', origin: game.origin, status: 200 },
      { method: 'GET', path: '/trpc/leaderboard.top', origin: game.origin, status: 200 },
    ]);
    expect(upgrades).toEqual([game.origin]);
    // And the score is stored, by alice's own token.
    expect(ledgerOf(actionId)).toEqual([{ user_id: 'alice', new_score: 100, subject: 'alice' }]);
    expect(scoreOf('alice')).toBe(100);
  });

  it('from an origin not in the list: the mutation never reaches the server, the query is unreadable, the WebSocket is refused', async () => {
    const { page, errors } = await openPage(elsewhere);
    const actionId = randomUUID();
    const before = scoreOf('alice');
    requests.length = 0;
    upgrades.length = 0;

    const calls = await callApi(page, { api: api.url, token: tokenFor('alice'), actionId, score: 999 });

    // To the page's code these are network errors: fetch rejects with a TypeError.
    expect(calls.update).toEqual({ ok: false, error: 'TypeError: Failed to fetch' });
    expect(calls.top).toEqual({ ok: false, error: 'TypeError: Failed to fetch' });
    expect(calls.socket).toEqual({ opened: false, errored: true, closeCode: 1006 });
    // Chromium says why: CORS (a preflight refused, then a response without ACAO), and a 403
    // answer to the WebSocket handshake.
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `fetch at '${escaped(api.url)}/trpc/scores\\.update' .*blocked by CORS policy: Response to preflight request`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `fetch at '${escaped(api.url)}/trpc/leaderboard\\.top' .*blocked by CORS policy: No 'Access-Control`,
          ),
        ),
        expect.stringMatching(/WebSocket connection to .* failed: .*Unexpected response code: 403/),
      ]),
    );

    // The preflight was refused (403), so the POST was never sent. The GET is a "simple"
    // request: it was served, but the browser kept the answer from the page (no ACAO).
    expect(requests).toEqual([
      { method: 'OPTIONS', path: '/trpc/scores.update', origin: elsewhere.origin, status: 403 },
      { method: 'GET', path: '/trpc/leaderboard.top', origin: elsewhere.origin, status: 200 },
    ]);
    expect(upgrades).toEqual([elsewhere.origin]);
    // Nothing was written.
    expect(ledgerOf(actionId)).toEqual([]);
    expect(api.query('select user_id from score_ledger where new_score = 999')).toEqual([]);
    expect(scoreOf('alice')).toBe(before);
  });
});
