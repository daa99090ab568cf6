import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../server/observability/logger.js';
import { scoreboardPageRoutes } from '../../server/web/scoreboard-page.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken } from '../helpers/tokens.js';
import { launchChromium } from './chromium.js';
import { captureScoreboard, SCREENSHOT_SIZE } from './scoreboard-screenshot.js';

/** Where the suite's screenshot goes: test-results/ is ignored by git. */
const SCREENSHOT = fileURLToPath(new URL('../../test-results/e2e/scoreboard.png', import.meta.url));
/** The README's picture; only `npm run screenshot` writes it. */
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/scoreboard.png', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const XSS_USER = '<img src=x onerror=alert(1)>';

let browser: Browser;
const cleanup: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A server for one test, closed after it (unless the test closed it already). */
async function server(overrides: Record<string, string> = {}, dir?: string): Promise<TestServer> {
  const started = await startTestServer({ SCORE_MAX_GAIN: '1000000', ...overrides }, dir);
  let closed = false;
  const close = started.close.bind(started);
  started.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  cleanup.push(() => started.close());
  return started;
}

async function setScore(target: TestServer, userId: string, score: number): Promise<void> {
  const res = await target.post(
    '/update-score',
    { user_id: userId, action_id: randomUUID(), new_score: score },
    { authorization: `Bearer ${serviceToken()}` },
  );
  expect(res.status, res.body).toBe(200);
}

interface Board {
  page: Page;
  /** Console errors (CSP violations among them) and uncaught page errors. */
  problems: string[];
  dialogs: string[];
}

/** A browser tab for one test, recording its problems; it has not opened the page yet. */
async function newTab(options: BrowserContextOptions = {}): Promise<Board> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...options });
  cleanup.push(() => context.close());
  const page = await context.newPage();
  const board: Board = { page, problems: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') board.problems.push(message.text());
  });
  page.on('pageerror', (error) => board.problems.push(String(error)));
  page.on('dialog', (dialog) => {
    board.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return board;
}

/** Opens the page and waits until it is live and has rendered its first snapshot. */
async function openBoard(target: TestServer, options: BrowserContextOptions = {}): Promise<Board> {
  const board = await newTab(options);
  const { page } = board;
  await page.goto(`${target.url}/`);
  await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
  await page.waitForSelector('#rows[data-version]', { state: 'attached', timeout: 10_000 });
  return board;
}

interface Expected {
  user: string;
  score: number;
  /** The row must also carry the change highlight. */
  highlighted?: boolean;
}

/** In the page: whether a row shows this user (as text) with this score. */
function rowShown({ user, score, highlighted }: Expected): boolean {
  return Array.from(document.querySelectorAll('#rows tr')).some(
    (tr) =>
      tr.querySelector('.col-user')?.textContent === user &&
      (tr.querySelector('.col-score')?.textContent ?? '').replace(/\D/g, '') === String(score) &&
      (!highlighted || tr.classList.contains('row--changed')),
  );
}

/** Waits (at most 1 s) until the page shows the row. */
async function expectRow(page: Page, expected: Expected): Promise<void> {
  await page.waitForFunction(rowShown, expected, { timeout: 1000 });
}

describe('scoreboard page (GET /)', () => {
  it('is served with a strict CSP, and its script and styles with content types and caching', async () => {
    const target = await server();
    const res = await fetch(`${target.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script

    const script = html.match(/src="(\/app\.js\?v=[\w-]+)"/)?.[1];
    const styles = html.match(/href="(\/styles\.css\?v=[\w-]+)"/)?.[1];
    expect(script).toBeDefined();
    expect(styles).toBeDefined();
    const js = await fetch(target.url + script);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await fetch(target.url + styles);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');

    // Without the current version the asset must be revalidated; the ETag answers 304.
    const unpinned = await fetch(`${target.url}/app.js`);
    expect(unpinned.headers.get('cache-control')).toBe('no-cache');
    const etag = unpinned.headers.get('etag') ?? '';
    const again = await fetch(`${target.url}/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('shows a new score within 1 s of the POST /update-score response, highlighted', async () => {
    const target = await server();
    await setScore(target, 'alice', 300);
    const { page, problems } = await openBoard(target);
    await expectRow(page, { user: 'alice', score: 300 });

    await setScore(target, 'bob', 450);
    await expectRow(page, { user: 'bob', score: 450, highlighted: true });
    await setScore(target, 'alice', 1200);
    await expectRow(page, { user: 'alice', score: 1200, highlighted: true });

    const users = await page.$$eval('#rows .col-user', (cells) => cells.map((c) => c.textContent));
    const ranks = await page.$$eval('#rows .col-rank', (cells) => cells.map((c) => c.textContent));
    expect(users).toEqual(['alice', 'bob']);
    expect(ranks).toEqual(['1', '2']);
    expect(problems).toEqual([]); // among them: no CSP violation
  });

  it('renders a user id as literal text, never as HTML', async () => {
    const target = await server();
    const board = await openBoard(target);
    await setScore(target, XSS_USER, 77);
    await expectRow(board.page, { user: XSS_USER, score: 77 });

    const cell = board.page.locator('#rows .col-user', { hasText: 'img' });
    expect(await cell.evaluate((el) => el.textContent)).toBe(XSS_USER);
    expect(await board.page.locator('#rows img').count()).toBe(0);
    expect(await board.page.locator('img').count()).toBe(0);
    // An onerror handler would have run by now (the image "x" fails at once).
    await board.page.waitForTimeout(300);
    expect(board.dialogs).toEqual([]);
    expect(board.problems).toEqual([]);
  });

  it('says live while connected, reconnecting when the server goes away, and live again after it returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-e2e-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await server({ SHUTDOWN_GRACE_MS: '200' }, dir);
    const port = new URL(first.url).port;
    await setScore(first, 'carol', 10);
    const { page } = await openBoard(first);
    expect(await page.locator('#connection').textContent()).toContain('Live');

    await first.close();
    await page.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 5000 });
    expect(await page.locator('#connection').textContent()).toContain('Reconnecting');

    const second = await server({ PORT: port }, dir);
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
    await setScore(second, 'dave', 20);
    await expectRow(page, { user: 'dave', score: 20, highlighted: true });
    await expectRow(page, { user: 'carol', score: 10 });
  });

  it('says connecting, not live, while its socket is open but no snapshot has arrived, then live', async () => {
    const target = await server();
    await setScore(target, 'frank', 40);
    const { page, problems } = await newTab();
    // The page's WebSocket goes through the test, which holds what the server sends until told.
    let subscribed!: () => void;
    const subscription = new Promise<void>((resolve) => (subscribed = resolve));
    let released = false;
    const held: (() => void)[] = [];
    await page.routeWebSocket(/\/trpc/, (socket) => {
      const upstream = socket.connectToServer();
      socket.onMessage((message) => {
        if (String(message).includes('leaderboard.live')) subscribed();
        upstream.send(message);
      });
      upstream.onMessage((message) => {
        if (released) socket.send(message);
        else held.push(() => socket.send(message));
      });
    });
    await page.goto(`${target.url}/`);

    // The socket is open (the page has sent its subscription on it); the server's answer is held.
    await subscription;
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('connecting');
    expect(await page.locator('#connection').textContent()).toContain('Connecting…');
    expect(await page.locator('#empty').textContent()).toBe('Waiting for scores…');
    expect(await page.locator('#rows tr').count()).toBe(0);

    released = true;
    for (const send of held.splice(0)) send();
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
    expect(await page.locator('#connection').textContent()).toContain('Live');
    await expectRow(page, { user: 'frank', score: 40 });
    expect(problems).toEqual([]);
  });

  it('respects prefers-reduced-motion: a changed row is highlighted without animation', async () => {
    const target = await server();
    const { page } = await openBoard(target, { reducedMotion: 'reduce' });
    await setScore(target, 'erin', 5);
    await expectRow(page, { user: 'erin', score: 5, highlighted: true });
    const animation = await page.$eval(
      '#rows tr.row--changed td',
      (td) => getComputedStyle(td).animationName,
    );
    expect(animation).toBe('none');
  });

  it('fits a phone screen: no sideways scrolling, the largest score shown whole', async () => {
    const target = await server({ SCORE_MAX_GAIN: '1000000000' });
    await setScore(target, 'a-player-with-a-rather-long-name-that-must-not-widen-the-page', 1_000_000_000);
    const { page } = await openBoard(target, { viewport: { width: 360, height: 740 }, isMobile: true });
    await page.waitForSelector('#rows tr');
    const layout = await page.evaluate(() => {
      const score = document.querySelector<HTMLElement>('#rows .col-score')!;
      const user = document.querySelector<HTMLElement>('#rows .col-user')!;
      return {
        pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        scoreRight: score.getBoundingClientRect().right,
        scoreClipped: score.scrollWidth > score.clientWidth,
        userEllipsis: user.scrollWidth > user.clientWidth,
        viewport: window.innerWidth,
      };
    });
    expect(layout.pageOverflow).toBeLessThanOrEqual(0);
    expect(layout.scoreClipped).toBe(false);
    expect(layout.scoreRight).toBeLessThanOrEqual(layout.viewport);
    expect(layout.userEllipsis).toBe(true); // the long name is cut, not the score
  });

  it('can be pictured: a 1280x720 PNG of the board under test-results/, docs/scoreboard.png untouched', async () => {
    const hashOf = (file: string) =>
      existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
    const docsBefore = hashOf(DOCS_SCREENSHOT);
    rmSync(SCREENSHOT, { force: true });

    await captureScoreboard(browser, SCREENSHOT);

    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual(SCREENSHOT_SIZE);
    // A 1280x720 page with just a heading compresses to about 9 kB; the board with ten rows to ~70 kB.
    expect(png.length).toBeGreaterThan(20_000);
    expect(hashOf(DOCS_SCREENSHOT)).toBe(docsBefore);
  });
});

describe('scoreboard page when the build fails', () => {
  it('logs an error and answers 503, without throwing', async () => {
    const logger = { error: vi.fn() } as unknown as Logger;
    const routes = await scoreboardPageRoutes(logger, { webDir: join(tmpdir(), `missing-${randomUUID()}`) });
    expect(logger.error).toHaveBeenCalledOnce();

    const listener: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      void routes[url.pathname]?.GET?.(req, res, { url, meta: { ip: null }, rest: '' });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => listener.close(resolve)));
    const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('unavailable');
    expect((await fetch(`${base}/app.js`)).status).toBe(503);
  });
});
