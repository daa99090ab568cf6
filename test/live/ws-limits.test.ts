import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
});

const wsUrl = () => server.url.replace('http', 'ws') + '/trpc';

/** Opens a socket and collects its messages; resolves once open. */
async function connect(): Promise<{
  ws: WebSocket;
  messages: any[];
  until(p: () => boolean): Promise<void>;
}> {
  const ws = new WebSocket(wsUrl());
  sockets.push(ws);
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    const text = String(data);
    messages.push(text === 'PONG' ? text : JSON.parse(text));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { ws, messages, until };
}

/** The status an upgrade is answered with (101 when it opens). */
function upgradeStatus(): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl());
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('open', () => {
      sockets.push(ws);
      resolve({ status: 101, ws });
    });
    ws.on('error', () => {});
  });
}

const subscribe = (id: number) =>
  JSON.stringify({ id, method: 'subscription', params: { path: 'leaderboard.live', input: {} } });

describe('WebSocket limits', () => {
  it('caps the subscriptions one connection may hold, and frees a slot when one stops', async () => {
    server = await startTestServer({ WS_MAX_SUBSCRIPTIONS: '2' });
    const client = await connect();
    for (const id of [1, 2, 3]) client.ws.send(subscribe(id));
    await client.until(() => client.messages.some((m) => m.id === 3 && m.error));
    const refused = client.messages.find((m) => m.id === 3 && m.error);
    expect(refused.error.data.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.error.message).toBe(
      'A connection may hold at most 2 subscriptions (WS_MAX_SUBSCRIPTIONS)',
    );
    await client.until(() =>
      [1, 2].every((id) => client.messages.some((m) => m.id === id && m.result?.type === 'data')),
    );

    client.ws.send(JSON.stringify({ id: 1, method: 'subscription.stop' }));
    await client.until(() => client.messages.some((m) => m.id === 1 && m.result?.type === 'stopped'));
    client.ws.send(subscribe(4));
    await client.until(() => client.messages.some((m) => m.id === 4 && m.result?.type === 'data'));
  });

  it('closes a connection that sends more messages per second than allowed (1008)', async () => {
    server = await startTestServer({ WS_MAX_MESSAGES_PER_SECOND: '5' });
    const client = await connect();
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 20; i++) client.ws.send('PING');
    expect(await closed).toBe(1008);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('scoreboard_ws_refused_total{reason="messages"} 1');
  });

  it('caps connections per address (429) and in total (503), and frees them on close', async () => {
    server = await startTestServer({ WS_MAX_CONNECTIONS_PER_IP: '2', WS_MAX_CONNECTIONS: '3' });
    const first = await upgradeStatus();
    const second = await upgradeStatus();
    expect([first.status, second.status]).toEqual([101, 101]);
    expect((await upgradeStatus()).status).toBe(429);
    const closed = new Promise((resolve) => first.ws!.once('close', resolve));
    first.ws!.close();
    await closed;
    await waitFor(() => server.app.sockets.wss.clients.size === 1);
    expect((await upgradeStatus()).status).toBe(101);
  });

  it('refuses upgrades past the total with 503', async () => {
    server = await startTestServer({ WS_MAX_CONNECTIONS_PER_IP: '10', WS_MAX_CONNECTIONS: '1' });
    expect((await upgradeStatus()).status).toBe(101);
    expect((await upgradeStatus()).status).toBe(503);
  });

  it('drops a client whose unread replies pass WS_MAX_BUFFERED_BYTES, with no snapshot published', async () => {
    server = await startTestServer({
      WS_MAX_BUFFERED_BYTES: '65536',
      WS_MAX_MESSAGES_PER_SECOND: '1000000',
      RATE_LIMIT_READS_PER_MIN: '1000000',
      LEADERBOARD_SIZE: '100',
    });
    for (let i = 0; i < 100; i++) await server.setScore(`player-${i}-${'x'.repeat(100)}`, `s${i}`, i + 1);
    const { live, leaderboard } = server.app.services;
    await waitFor(() => live.publishedVersion === leaderboard.version); // the trailing publish is out
    const published = (await server.app.services.metrics.snapshotsPublished.get()).values[0]?.value ?? 0;
    const client = await connect();
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const query = (id: number) => ({
      id,
      method: 'query',
      params: { path: 'leaderboard.top', input: { limit: 100 } },
    });
    // Each reply is ~15 KB; the kernel buffers take some megabytes before our own buffer grows.
    for (let id = 1; server.app.sockets.dropped() === 0 && id < 20_000; id += 10) {
      client.ws.send(JSON.stringify(Array.from({ length: 10 }, (_, i) => query(id + i))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The paused client never reads the close; the server has forgotten it.
    expect(server.app.sockets.dropped()).toBe(1);
    await waitFor(() => server.app.sockets.wss.clients.size === 0);
    expect((await server.app.services.metrics.snapshotsPublished.get()).values[0]?.value ?? 0).toBe(
      published,
    );
  });
});

async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}
