import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { serviceToken } from '../helpers/tokens.js';
import { launchChromium } from './chromium.js';

// The page's board picker, window tabs and countdown, on a server with two boards. The server
// runs in this process: the tests of boards and windows set its clock (vitest's fake Date) to
// a Friday and a Saturday in Berlin. The countdown's test runs on the real clock instead, and
// sets the browser's (Playwright's clock, which the fake Date would confuse: its driver runs
// in this process too).

const BOARDS = {
  boards: [
    { id: 'global', title: 'All players', windows: [{ kind: 'week', zone: 'Europe/Berlin' }] },
    {
      id: 'time-trial',
      title: 'Time trial',
      order: 'asc',
      operator: 'best',
      rules: { min: 1, max: 100000 },
      windows: [{ kind: 'day', zone: 'Europe/Berlin' }],
    },
  ],
};

/** Friday afternoon and Saturday evening in Berlin. */
const FRIDAY = '2026-03-27T15:00:00.000Z';
const SATURDAY = '2026-03-28T18:00:00.000Z';

let browser: Browser;
let server: TestServer | undefined;
let folder: string | undefined;
const cleanup: (() => Promise<unknown> | unknown)[] = [];
let action = 0;

const at = (iso: string) => vi.setSystemTime(new Date(iso));

/** The test's server (see start). */
function target(): TestServer {
  if (!server) throw new Error('start the server first');
  return server;
}

async function submit(board: string, user: string, score: number): Promise<void> {
  const res = await target().post(
    `/boards/${board}/scores`,
    { user_id: user, action_id: `a${++action}`, new_score: score },
    { authorization: `Bearer ${serviceToken()}` },
  );
  expect(res.status, res.body).toBe(200);
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Starts the server on a data folder of its own, with the board file; on vitest's fake Date at
 * `clock` when given (set before it starts: a server's clock never goes back).
 */
async function start(clock?: string): Promise<void> {
  if (clock !== undefined) {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(clock);
  }
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-e2e-boards-'));
  const file = join(folder, 'boards.json');
  writeFileSync(file, JSON.stringify(BOARDS));
  server = await startTestServer({ ...UNLIMITED, BOARDS_FILE: file, SCORE_MAX_GAIN: '1000000' });
}

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await server?.close();
  server = undefined;
  vi.useRealTimers();
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

/**
 * Sets the server's clock to Saturday evening in Berlin, after runs on Friday and Saturday:
 * alice's 5000 ms and 300 points of carol's on global on Friday; bob's 4000 and a worse run
 * of alice's (6000, her best of the day) on Saturday.
 */
async function fridayAndSaturday(): Promise<void> {
  await start(FRIDAY);
  await submit('time-trial', 'alice', 5000);
  await target().setScore('carol', `c${++action}`, 300);
  at(SATURDAY);
  await submit('time-trial', 'bob', 4000);
  await submit('time-trial', 'alice', 6000);
}

interface Tab {
  page: Page;
  /** Console errors (CSP violations among them) and uncaught page errors. */
  problems: string[];
}

/**
 * Opens the page at `query` and waits for its rows. `clock`: the browser's clock is Playwright's,
 * started at that instant (the real one by default).
 */
async function open(
  query: string,
  { clock, ...options }: BrowserContextOptions & { clock?: number } = {},
): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...options });
  cleanup.push(() => context.close());
  const page = await context.newPage();
  const tab: Tab = { page, problems: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') tab.problems.push(message.text());
  });
  page.on('pageerror', (error) => tab.problems.push(String(error)));
  if (clock !== undefined) await page.clock.install({ time: clock });
  await page.goto(`${target().url}/${query}`);
  await page.waitForSelector('#rows[data-version]', { state: 'attached', timeout: 10_000 });
  return tab;
}

/** The rows shown: `rank user score`. */
const rows = (page: Page) =>
  page.$$eval('#rows tr', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent).join(' ')),
  );

/** Waits until the page shows exactly these rows. */
async function expectRows(page: Page, expected: string[]): Promise<void> {
  await page
    .waitForFunction(
      (want) =>
        JSON.stringify(
          Array.from(document.querySelectorAll('#rows tr'), (tr) =>
            Array.from(tr.querySelectorAll('td'), (td) => td.textContent).join(' '),
          ),
        ) === JSON.stringify(want),
      expected,
      { timeout: 5000, polling: 50 },
    )
    .catch(async (error: unknown) => {
      expect(await rows(page)).toEqual(expected); // says what was shown instead
      throw error;
    });
}

/** The tabs: label, and whether selected. */
const tabs = (page: Page) =>
  page.$$eval('#windows [role="tab"]', (all) =>
    all.map((tab) => [tab.textContent, tab.getAttribute('aria-selected')]),
  );

const query = (page: Page) => new URL(page.url()).search;

describe('the board picker, window tabs and countdown', () => {
  it('lists both boards in a labelled picker; choosing one shows its entries, and the address says which', async () => {
    await fridayAndSaturday();
    const { page, problems } = await open('');
    await expectRows(page, ['1 carol 300']);
    expect(await page.locator('#board-picker').isVisible()).toBe(true);
    expect(await page.getByLabel('Board', { exact: true }).evaluate((select) => select.id)).toBe('board');
    expect(
      await page.$$eval('#board option', (options) =>
        options.map((o) => [(o as HTMLOptionElement).value, o.textContent]),
      ),
    ).toEqual([
      ['global', 'All players'],
      ['time-trial', 'Time trial'],
    ]);
    expect(await page.locator('#title').textContent()).toBe('All players');
    expect(await tabs(page)).toEqual([
      ['All time', 'true'],
      ['This week', 'false'],
    ]);
    expect(query(page)).toBe('?board=global&window=all');

    await page.selectOption('#board', 'time-trial');
    // Lower is better, the best run of each counts.
    await expectRows(page, ['1 bob 4,000', '2 alice 5,000']);
    expect(await page.locator('#title').textContent()).toBe('Time trial');
    expect(query(page)).toBe('?board=time-trial&window=all');
    expect(await tabs(page)).toEqual([
      ['All time', 'true'],
      ['Today', 'false'],
    ]);
    expect(problems).toEqual([]);
  });

  it('switches window with the tabs, by click and by arrow key, and a link opens the same board and window', async () => {
    await fridayAndSaturday();
    const { page, problems } = await open('?board=time-trial');
    await expectRows(page, ['1 bob 4,000', '2 alice 5,000']);
    expect(await page.locator('#windows').getAttribute('role')).toBe('tablist');

    await page.getByRole('tab', { name: 'Today' }).click();
    // Saturday's own runs: alice's best of the day is 6000.
    await expectRows(page, ['1 bob 4,000', '2 alice 6,000']);
    expect(await tabs(page)).toEqual([
      ['All time', 'false'],
      ['Today', 'true'],
    ]);
    expect(query(page)).toBe('?board=time-trial&window=day');
    expect(await page.locator('#panel').getAttribute('aria-labelledby')).toBe('tab-day');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-day');

    await page.keyboard.press('ArrowLeft');
    await expectRows(page, ['1 bob 4,000', '2 alice 5,000']);
    expect(query(page)).toBe('?board=time-trial&window=all');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-all');

    const link = await open('?board=time-trial&window=day');
    await expectRows(link.page, ['1 bob 4,000', '2 alice 6,000']);
    expect(await link.page.locator('#board').inputValue()).toBe('time-trial');
    expect(await tabs(link.page)).toEqual([
      ['All time', 'false'],
      ['Today', 'true'],
    ]);
    // An address naming what the server does not have shows global's whole board.
    const unknown = await open('?board=nope&window=month');
    await expectRows(unknown.page, ['1 carol 300']);
    expect(query(unknown.page)).toBe('?board=global&window=all');
    expect([...problems, ...link.problems, ...unknown.problems]).toEqual([]);
  });

  it('counts down to the next reset each second, and reads the boards again when it reaches zero', async () => {
    await start();
    await submit('time-trial', 'alice', 5000);
    const listed = (await (await fetch(`${target().url}/boards`)).json()) as {
      boards: { id: string; windows: { kind: string; next_reset: string | null }[] }[];
    };
    const nextReset = listed.boards.find((b) => b.id === 'time-trial')?.windows[1]?.next_reset ?? '';
    const resetAt = Date.parse(nextReset);
    expect(resetAt).toBeGreaterThan(Date.now() + 60_000); // midnight in Berlin is ahead

    const { page, problems } = await open('?board=time-trial&window=day', { clock: Date.now() });
    await expectRows(page, ['1 alice 5,000']);
    expect(await page.locator('#countdown').isVisible()).toBe(true);
    expect(await page.locator('#countdown-time').getAttribute('datetime')).toBe(nextReset);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('live');

    // Half a minute before the reset, as the browser's clock says.
    await page.clock.pauseAt(resetAt - 30_000);
    expect(await page.locator('#countdown').textContent()).toMatch(/^\s*Resets in\s*00:30\s*$/);
    await page.clock.runFor(1000);
    expect(await page.locator('#countdown-time').textContent()).toBe('00:29');
    await page.clock.runFor(1000);
    expect(await page.locator('#countdown-time').textContent()).toBe('00:28');

    const reads: string[] = [];
    let answered = 0;
    page.on('request', (request) => reads.push(new URL(request.url()).pathname));
    page.on('requestfinished', () => (answered += 1));
    await page.clock.runFor(28_000);
    expect(await page.locator('#countdown-time').textContent()).toBe('00:00');
    await expect.poll(() => reads).toEqual(['/trpc/leaderboard.boards']);
    // This server's day has not ended (its clock is the real one): the list still names it, so
    // the page asks again a little later, three times at most, then waits for the server's
    // snapshot of the next day.
    await page.clock.runFor(1000);
    expect(reads).toHaveLength(1);
    for (let i = 0; i < 8; i++) {
      await page.clock.runFor(2500);
      await expect.poll(() => answered).toBe(reads.length);
    }
    expect(reads).toHaveLength(4);
    await page.clock.runFor(10_000);
    expect(reads).toEqual(Array.from({ length: 4 }, () => '/trpc/leaderboard.boards'));

    // The whole board never resets: no countdown.
    await page.clock.resume();
    await page.getByRole('tab', { name: 'All time' }).click();
    await expectRows(page, ['1 alice 5,000']);
    expect(await page.locator('#countdown').isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });

  it('shows a score posted to the chosen board and window live, highlighted, and not on another board', async () => {
    await fridayAndSaturday();
    const { page, problems } = await open('?board=time-trial&window=day');
    await expectRows(page, ['1 bob 4,000', '2 alice 6,000']);
    const global = await open('?board=global&window=week');
    await expectRows(global.page, ['1 carol 300']);

    await submit('time-trial', 'dave', 3000);
    await expectRows(page, ['1 dave 3,000', '2 bob 4,000', '3 alice 6,000']);
    expect(await page.$eval('#rows tr:first-child', (tr) => tr.classList.contains('row--changed'))).toBe(
      true,
    );
    await target().setScore('erin', `e${++action}`, 500);
    await expectRows(global.page, ['1 erin 500', '2 carol 300']);
    expect(await rows(page)).toEqual(['1 dave 3,000', '2 bob 4,000', '3 alice 6,000']);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('live');
    expect([...problems, ...global.problems]).toEqual([]);
  });

  it('fits a phone screen with the picker, the tabs and the countdown', async () => {
    await fridayAndSaturday();
    const { page } = await open('?board=global&window=week', {
      viewport: { width: 360, height: 740 },
      isMobile: true,
    });
    await expectRows(page, ['1 carol 300']);
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      boxes: ['#board', '#windows', '#countdown'].map((selector) => {
        const box = document.querySelector(selector)!.getBoundingClientRect();
        return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth;
      }),
    }));
    expect(layout).toEqual({ overflow: 0, boxes: [true, true, true] });
  });
});
