import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

let server: TestServer;
afterEach(() => server?.close());

const topPath = (calls: number) => {
  const paths = Array.from({ length: calls }, () => 'leaderboard.top').join(',');
  const input = Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, { limit: 100 }]));
  return `/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`;
};

describe('public reads', () => {
  it('answers 429 with Retry-After past RATE_LIMIT_READS_PER_MIN on REST', async () => {
    server = await startTestServer({ RATE_LIMIT_READS_PER_MIN: '3' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/leaderboard`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await fetch(`${server.url}/leaderboard`);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toEqual({
      status: 'error',
      message: `Too many requests; retry in ${res.headers.get('retry-after')} seconds`,
    });
  });

  it('answers a refused tRPC call with 429 and Retry-After, and echoes the request id', async () => {
    server = await startTestServer({ RATE_LIMIT_READS_PER_MIN: '1' });
    await fetch(`${server.url}/trpc/leaderboard.top`);
    const res = await fetch(`${server.url}/trpc/leaderboard.top`, {
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('x-request-id')).toBe('trace-42');
    expect(((await res.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      'TOO_MANY_REQUESTS',
    );
  });

  it('spends one read per call of a tRPC batch', async () => {
    server = await startTestServer({ RATE_LIMIT_READS_PER_MIN: '5' });
    const res = await fetch(server.url + topPath(8));
    const body = (await res.json()) as Array<{ result?: unknown; error?: { data: { code: string } } }>;
    expect(body.map((r) => (r.result ? 'ok' : r.error!.data.code))).toEqual([
      ...Array<string>(5).fill('ok'),
      ...Array<string>(3).fill('TOO_MANY_REQUESTS'),
    ]);
    expect((await fetch(`${server.url}/leaderboard`)).status).toBe(429);
  });
});

describe('tRPC batches', () => {
  it('refuses an HTTP batch over TRPC_MAX_BATCH whole, with one error, and runs none of it', async () => {
    server = await startTestServer({ TRPC_MAX_BATCH: '10', RATE_LIMIT_READS_PER_MIN: '10' });
    const res = await fetch(server.url + topPath(11));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'Too many calls in one batch: at most 10 are allowed (TRPC_MAX_BATCH)',
        code: -32600,
        data: { code: 'BAD_REQUEST', httpStatus: 400 },
      },
    });
    // Nothing of it ran: the whole read budget is still there.
    const ok = await fetch(server.url + topPath(10));
    expect(((await ok.json()) as unknown[]).every((r) => (r as { result?: unknown }).result)).toBe(true);
  });

  it('refuses an anonymous mutation batch over the cap with one error and one audit row', async () => {
    server = await startTestServer();
    const calls = 1000;
    const paths = Array.from({ length: calls }, () => 'scores.update').join(',');
    const input = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [i, { user_id: 'a', action_id: `x${i}`, new_score: 1 }]),
    );
    const res = await fetch(`${server.url}/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(res.status).toBe(400);
    await server.flushAudit();
    expect(server.query('select kind, count from security_events')).toEqual([
      { kind: 'invalid_input', count: 1 },
    ]);
  });

  it('refuses a WebSocket message batch over TRPC_MAX_BATCH', async () => {
    server = await startTestServer({ TRPC_MAX_BATCH: '2' });
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/trpc');
    await new Promise((resolve) => ws.once('open', resolve));
    const replies: Array<{ id: number; error?: { message: string; data: { code: string } } }> = [];
    const three = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        replies.push(JSON.parse(String(data)));
        if (replies.length === 3) resolve();
      }),
    );
    const call = (id: number) => ({ id, method: 'query', params: { path: 'leaderboard.top', input: {} } });
    ws.send(JSON.stringify([call(1), call(2), call(3)]));
    await three;
    ws.close();
    expect(replies.map((r) => [r.id, r.error?.data.code, r.error?.message])).toEqual([
      [1, 'BAD_REQUEST', 'Too many calls in one batch: at most 2 are allowed (TRPC_MAX_BATCH)'],
      [2, 'BAD_REQUEST', 'Too many calls in one batch: at most 2 are allowed (TRPC_MAX_BATCH)'],
      [3, 'BAD_REQUEST', 'Too many calls in one batch: at most 2 are allowed (TRPC_MAX_BATCH)'],
    ]);
  });
});

describe('what never leaves the server', () => {
  it('does not serve subscriptions over HTTP (no SSE stream past the WebSocket checks)', async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/trpc/leaderboard.live`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      error: {
        message: 'Subscriptions are served over the WebSocket at /trpc, not over HTTP',
        code: -32005,
        data: { code: 'METHOD_NOT_SUPPORTED', httpStatus: 405, path: 'leaderboard.live' },
      },
    });
  });

  it('hides the text of an unexpected error from tRPC clients, as REST does', async () => {
    server = await startTestServer();
    server.app.services.admin.securityEvents = () => {
      throw new Error('SQLITE_CORRUPT: /var/lib/secret/path');
    };
    const res = await fetch(`${server.url}/trpc/admin.securityEvents?input=%7B%7D`, {
      headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('SQLITE');
    expect(JSON.parse(text).error.message).toBe('Internal server error');
  });

  it('answers 500 with the error shape when a REST handler fails unexpectedly, and counts it', async () => {
    server = await startTestServer();
    server.app.services.reads.page = async () => {
      throw new Error('disk I/O error');
    };
    const res = await fetch(`${server.url}/leaderboard`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ status: 'error', message: 'Internal server error' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('scoreboard_internal_errors_total{transport="http"} 1');
  });
});
