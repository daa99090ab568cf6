import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { launchChromium } from './chromium.js';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the API page (GET /docs) in Chromium', () => {
  it('renders every documented operation from /openapi.json, with no CSP violation and no request elsewhere', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) elsewhere.push(request.url());
    });
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
    const paths = await page.$$eval('.opblock-summary-path', (nodes) =>
      nodes.map((n) => n.getAttribute('data-path')),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        '/update-score',
        '/leaderboard',
        '/leaderboard/users/{user_id}',
        '/leaderboard/users/{user_id}/around',
        '/boards/{board}/scores',
        '/boards/{board}/leaderboard',
        '/boards/{board}/users',
        '/boards/{board}/users/{user_id}',
        '/boards/{board}/users/{user_id}/around',
      ]),
    );
    expect(problems).toEqual([]);
    expect(elsewhere.filter((url) => !url.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
