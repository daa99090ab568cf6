// Refreshes docs/scoreboard.png, the README's picture of the live board: `npm run screenshot`
// (`npm run screenshot -- other.png` writes elsewhere). It starts a throwaway server with a
// temporary database, fills the board and photographs the page in Chromium (/usr/bin/chromium,
// or CHROMIUM_PATH). The e2e suite takes the same picture into test-results/ instead, so
// running the tests never changes the tracked file.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/e2e/chromium.js';
import { captureScoreboard } from '../test/e2e/scoreboard-screenshot.js';

const given = process.argv[2];
const target = given ? resolve(given) : fileURLToPath(new URL('../docs/scoreboard.png', import.meta.url));
const browser = await launchChromium();
try {
  await captureScoreboard(browser, target);
} finally {
  await browser.close();
}
console.log(`Wrote ${target}`);
