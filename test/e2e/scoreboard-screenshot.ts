import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The picture of the live board in the README. The e2e suite takes it into test-results/
// (ignored by git) to check it can be made; `npm run screenshot` (scripts/screenshot.ts)
// writes it to docs/scoreboard.png on purpose.

/** The viewport, and so the size of the PNG. */
export const SCREENSHOT_SIZE = { width: 1280, height: 720 } as const;

const PLAYERS: [string, number][] = [
  ['NovaStrike', 48_250],
  ['pixel_pirate', 45_900],
  ['Kestrel', 41_175],
  ['grumpy-wizard', 38_040],
  ['LunaByte', 33_615],
  ['tofu_tank', 29_980],
  ['Zephyr', 24_410],
  ['mossy.otter', 19_305],
  ['Captain Crumpet', 15_720],
  ['ryu_', 12_060],
];
/** Two boards, so that the picture shows the picker; the week's tab is chosen, with its countdown. */
const BOARDS = {
  boards: [
    {
      id: 'global',
      title: 'Arena',
      windows: [
        { kind: 'day', zone: 'Europe/Berlin' },
        { kind: 'week', zone: 'Europe/Berlin' },
      ],
    },
    { id: 'time-trial', title: 'Time trial', order: 'asc', operator: 'best' },
  ],
};
const PAGE = '/?board=global&window=week';

/** The one live change, so the picture shows the highlight. */
const CHANGE = { user: 'Kestrel', score: 46_500 };

async function setScore(server: TestServer, user: string, score: number): Promise<void> {
  const res = await server.setScore(user, randomUUID(), score);
  if (res.status !== 200) throw new Error(`could not set ${user}'s score: ${res.status} ${res.body}`);
}

/**
 * Starts a server with a temporary database and two boards, fills `global`, opens the page on
 * its week (picker, tabs and countdown shown), makes one live
 * change and saves a PNG of the page (SCREENSHOT_SIZE) to `path`. Everything it started is
 * closed again, also when it fails.
 */
export async function captureScoreboard(browser: Browser, path: string): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'scoreboard-screenshot-'));
  const boardsFile = join(folder, 'boards.json');
  writeFileSync(boardsFile, JSON.stringify(BOARDS));
  const server = await startTestServer({ SCORE_MAX_GAIN: '1000000', BOARDS_FILE: boardsFile });
  // Reduced motion: the highlight is a steady background, so the picture does not depend on timing.
  const context = await browser.newContext({ viewport: SCREENSHOT_SIZE, reducedMotion: 'reduce' });
  try {
    for (const [user, score] of PLAYERS) await setScore(server, user, score);
    const page = await context.newPage();
    await page.goto(server.url + PAGE);
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
    await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length === n, PLAYERS.length, {
      timeout: 10_000,
    });
    await setScore(server, CHANGE.user, CHANGE.score);
    await page.waitForFunction(
      ({ user, score }) =>
        Array.from(document.querySelectorAll('#rows tr.row--changed')).some(
          (tr) =>
            tr.querySelector('.col-user')?.textContent === user &&
            (tr.querySelector('.col-score')?.textContent ?? '').replace(/\D/g, '') === String(score),
        ),
      CHANGE,
      { timeout: 5000 },
    );
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path, animations: 'disabled' });
  } finally {
    await context.close();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
