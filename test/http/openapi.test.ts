import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES } from '../../shared/messages.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (checked by a maintained validator)', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const document = await res.json();
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every plain HTTP route, every status and the literal messages', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { example?: unknown }> }> }>
      >;
    };
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/healthz',
        '/leaderboard',
        '/leaderboard/users/{user_id}',
        '/leaderboard/users/{user_id}/around',
        '/metrics',
        '/openapi.json',
        '/readyz',
        '/update-score',
      ].sort(),
    );
    const update = document.paths['/update-score']!.post!.responses;
    expect(Object.keys(update).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '409',
      '413',
      '422',
      '429',
      '503',
    ]);
    const example = (status: string) => update[status]!.content!['application/json']!.example;
    expect(example('200')).toEqual({ status: 'success', message: MESSAGES.success });
    expect(example('400')).toEqual({ status: 'error', message: MESSAGES.badRequest });
    expect(example('401')).toEqual({ status: 'error', message: MESSAGES.unauthorized });
    // Each documented route answers as documented (not 404).
    for (const path of ['/healthz', '/readyz', '/leaderboard', '/openapi.json', '/metrics']) {
      expect((await fetch(server.url + path)).status).toBe(200);
    }
    expect((await fetch(`${server.url}/leaderboard/users/nobody`)).status).toBe(404);
    expect((await fetch(`${server.url}/leaderboard/users/nobody/around`)).status).toBe(404);
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
