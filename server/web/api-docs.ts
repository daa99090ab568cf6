import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Routes } from '../transport/http-app.js';
import { sendJson } from '../transport/respond.js';

/** Swagger UI, served from its npm package: no CDN, and a CSP as strict as it allows. */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // Swagger UI sets style attributes
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scoreboard API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>
`;

// No inline script (the CSP forbids it): the page loads this file to start Swagger UI.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

interface Asset {
  readonly type: string;
  readonly body: () => Buffer | string;
}

function once(read: () => Buffer): () => Buffer {
  let cached: Buffer | undefined;
  return () => (cached ??= read());
}

/** `GET /docs`: a readable page for the OpenAPI document, and its assets under `/docs/`. */
export function apiDocsRoutes(): Routes {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets = new Map<string, Asset>(
    Object.entries({
      'swagger-ui.css': {
        type: 'text/css; charset=utf-8',
        body: once(() => readFileSync(join(dist, 'swagger-ui.css'))),
      },
      'swagger-ui-bundle.js': {
        type: 'text/javascript; charset=utf-8',
        body: once(() => readFileSync(join(dist, 'swagger-ui-bundle.js'))),
      },
      'init.js': { type: 'text/javascript; charset=utf-8', body: () => INIT },
    }),
  );
  const send = (res: ServerResponse, type: string, body: Buffer | string, cache: string) => {
    res.writeHead(200, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': cache,
      'content-security-policy': DOCS_CSP,
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  };
  return {
    '/docs': { GET: (_req: IncomingMessage, res) => send(res, 'text/html; charset=utf-8', PAGE, 'no-cache') },
    '/docs/': {
      GET: (_req, res, { rest }) => {
        const asset = assets.get(rest);
        if (!asset) return sendJson(res, 404, { status: 'error', message: 'Not found' });
        send(res, asset.type, asset.body(), 'public, max-age=3600');
      },
    },
  };
}
