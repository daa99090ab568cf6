import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Routes } from '../transport/http-app.js';
import type { Logger } from '../observability/logger.js';

/** The page's sources: `index.html`, `main.ts` (bundled with the client SDK) and `styles.css`. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** No inline script or style, no third-party origin, no framing; the WebSocket may go to any ws(s) URL. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** Content hash, used as `?v=` in the page so that the asset may be cached for good. */
  readonly version: string;
}

interface BuiltPage {
  readonly html: Asset;
  readonly script: Asset;
  readonly styles: Asset;
}

function asset(body: Buffer | Uint8Array | string, contentType: string): Asset {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const version = createHash('sha256').update(buffer).digest('base64url').slice(0, 16);
  return { body: buffer, contentType, etag: `"${version}"`, version };
}

async function build(webDir: string): Promise<BuiltPage> {
  // Imported here, not at the top: should esbuild be missing (a trimmed install), the server
  // still starts and only the page answers 503.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: join(webDir, 'main.ts'), styles: join(webDir, 'styles.css') },
    outdir: join(webDir, 'dist'), // names the outputs; nothing is written
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const output = (ext: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`esbuild produced no ${ext} output`);
    return file.contents;
  };
  const script = asset(output('.js'), 'text/javascript; charset=utf-8');
  const styles = asset(output('.css'), 'text/css; charset=utf-8');

  const template = await readFile(join(webDir, 'index.html'), 'utf8');
  const html = template
    .replace('src="/app.js"', `src="/app.js?v=${script.version}"`)
    .replace('href="/styles.css"', `href="/styles.css?v=${styles.version}"`);
  if (!html.includes(script.version) || !html.includes(styles.version)) {
    throw new Error('index.html must reference src="/app.js" and href="/styles.css"');
  }
  return { html: asset(html, 'text/html; charset=utf-8'), script, styles };
}

/** One build per process and source folder, shared by every app created in it. */
const builds = new Map<string, Promise<BuiltPage>>();

function send(
  req: IncomingMessage,
  res: ServerResponse,
  item: Asset,
  cacheControl: string,
  extra: Record<string, string> = {},
): void {
  const headers = { ...SECURITY_HEADERS, 'cache-control': cacheControl, etag: item.etag, ...extra };
  if (req.headers['if-none-match'] === item.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': item.contentType, 'content-length': item.body.length });
  res.end(item.body);
}

/** An asset asked for with its current `?v=` never changes; anything else revalidates. */
function sendVersioned(req: IncomingMessage, res: ServerResponse, url: URL, item: Asset): void {
  const pinned = url.searchParams.get('v') === item.version;
  send(req, res, item, pinned ? 'public, max-age=31536000, immutable' : 'no-cache');
}

const UNAVAILABLE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark"><title>Scoreboard unavailable</title></head>
<body><h1>Scoreboard page unavailable</h1>
<p>The page could not be built on this server; see its log. The API is not affected.</p></body>
</html>
`;

function sendUnavailable(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(503, {
    ...SECURITY_HEADERS,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/**
 * Builds the scoreboard page in memory (esbuild: bundle, browser, minified, es2020) and
 * returns its routes: `GET /`, `GET /app.js`, `GET /styles.css`. Never throws: if the build
 * fails, the error is logged and the routes answer 503, while the rest of the server runs.
 */
export async function scoreboardPageRoutes(
  logger: Logger,
  options: { webDir?: string } = {},
): Promise<Routes> {
  const webDir = options.webDir ?? WEB_DIR;
  let pending = builds.get(webDir);
  if (!pending) {
    pending = build(webDir);
    builds.set(webDir, pending);
  }
  let page: BuiltPage;
  try {
    page = await pending;
  } catch (error) {
    logger.error({ err: error, webDir }, 'scoreboard page build failed; GET / answers 503');
    return {
      '/': { GET: (_req, res) => sendUnavailable(res, 'text/html; charset=utf-8', UNAVAILABLE_HTML) },
      '/app.js': { GET: (_req, res) => sendUnavailable(res, 'text/plain; charset=utf-8', 'Unavailable\n') },
      '/styles.css': {
        GET: (_req, res) => sendUnavailable(res, 'text/plain; charset=utf-8', 'Unavailable\n'),
      },
    };
  }
  return {
    '/': { GET: (req, res) => send(req, res, page.html, 'no-cache') },
    '/app.js': { GET: (req, res, { url }) => sendVersioned(req, res, url, page.script) },
    '/styles.css': { GET: (req, res, { url }) => sendVersioned(req, res, url, page.styles) },
  };
}
