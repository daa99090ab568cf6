import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken } from '../helpers/tokens.js';

let server: TestServer;
const open: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await server?.close();
});

const set = (user: string, action: string, score: number) => server.setScore(user, action, score);
const epochOf = (s: TestServer) =>
  s.query<{ value: string }>("select value from meta where key = 'epoch'")[0]!.value;
/** The version part of a `<epoch>:<version>` event id. */
const versionOf = (id: string) => Number(id.split(':')[1]);
const subscribe = async (input: Record<string, unknown> = {}, options = {}) => {
  const s = await RawSubscriber.open(server.url, input, options);
  open.push(s);
  return s;
};

describe('leaderboard.live over a raw WebSocket', () => {
  it('sends the current top N on subscribe, then the update made by a plain HTTP POST', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 50);
    const sub = await subscribe();
    await sub.until((s) => s.snapshots.length === 1);
    expect(sub.messages[0]).toEqual({ id: 1, result: { type: 'started' } });
    expect(sub.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]);
    expect(sub.eventIds[0]).toBe(`${epochOf(server)}:${sub.latest!.version}`);

    expect((await set('bob', 'b1', 70)).status).toBe(200);
    await sub.until((s) => s.snapshots.length === 2);
    expect(sub.latest!.entries).toEqual([
      { rank: 1, user_id: 'bob', score: 70 },
      { rank: 2, user_id: 'alice', score: 50 },
    ]);
    expect(sub.snapshots[1]!.version).toBeGreaterThan(sub.snapshots[0]!.version);
  });

  it('honours the limit and sends nothing for changes below it', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 50);
    await set('bob', 'b1', 40);
    const sub = await subscribe({ limit: 1 });
    await sub.until((s) => s.snapshots.length === 1);
    expect(sub.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]);
    await set('bob', 'b2', 45); // rank 2 changes: not this subscriber's business
    await set('carol', 'c1', 60);
    await sub.until((s) => s.latest!.entries[0]!.user_id === 'carol');
    expect(sub.snapshots.map((s) => s.entries)).toEqual([
      [{ rank: 1, user_id: 'alice', score: 50 }],
      [{ rank: 1, user_id: 'carol', score: 60 }],
    ]);
  });

  it('resumes with lastEventId without ever sending an older snapshot', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 10);
    const first = await subscribe();
    await first.until((s) => s.snapshots.length === 1);
    const seen = first.eventIds[0]!;

    const resumedUpToDate = await subscribe({ lastEventId: seen });
    await set('bob', 'b1', 20);
    await resumedUpToDate.until((s) => s.snapshots.length >= 1);
    expect(resumedUpToDate.snapshots.every((s) => s.version > versionOf(seen))).toBe(true);
    expect(resumedUpToDate.latest!.entries.map((e) => e.user_id)).toEqual(['bob', 'alice']);

    const resumedBehind = await subscribe({ lastEventId: seen });
    await resumedBehind.until((s) => s.snapshots.length === 1);
    expect(resumedBehind.latest!.version).toBeGreaterThan(versionOf(seen));
    expect(resumedBehind.latest!.entries.map((e) => e.user_id)).toEqual(['bob', 'alice']);
  });

  it('keeps versions rising across a restart', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 10);
    await set('bob', 'b1', 20);
    const before = await subscribe();
    await before.until((s) => s.snapshots.length === 1);
    const dir = server.dir;
    before.close();
    await server.app.close();
    server = await startTestServer({}, dir);
    const after = await subscribe({ lastEventId: before.eventIds[0] });
    await set('carol', 'c1', 30);
    await after.until((s) => s.snapshots.length === 1);
    expect(after.latest!.version).toBeGreaterThan(before.latest!.version);
  });

  it('coalesces a burst into far fewer frames and always delivers the final state', async () => {
    server = await startTestServer({ SCORE_MAX_GAIN: '1000000' });
    const sub = await subscribe();
    await sub.until((s) => s.snapshots.length === 1);
    await Promise.all(Array.from({ length: 300 }, (_, i) => set(`user-${i % 30}`, `burst-${i}`, i + 1)));
    const expected = await (await fetch(`${server.url}/leaderboard`)).json();
    await sub.until((s) => JSON.stringify(s.latest!.entries) === JSON.stringify(expected.entries));
    expect(sub.snapshots.length).toBeLessThan(100);
  });

  it('sends the current board at once to a client resuming from another database', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 10);
    // A fresh database: its versions start again at 1, under another epoch.
    const fromElsewhere = await subscribe({ lastEventId: 'abcdef012345:99' });
    const legacy = await subscribe({ lastEventId: '99' });
    await fromElsewhere.until((s) => s.snapshots.length === 1);
    await legacy.until((s) => s.snapshots.length === 1);
    expect(fromElsewhere.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 10 }]);
    expect(legacy.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 10 }]);
  });

  it('sends the current board to a client that resumes from a version this database never reached (a restore)', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 10);
    const sub = await subscribe({ lastEventId: `${epochOf(server)}:500` });
    // No update comes; after a short wait for a peer that may be ahead, the board is sent.
    await sub.until((s) => s.snapshots.length === 1, 10_000);
    expect(sub.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 10 }]);
    expect(sub.latest!.version).toBeLessThan(500);
  });

  it('keeps the public board flowing on a socket whose token is bad, and audits the token', async () => {
    server = await startTestServer();
    await set('alice', 'a1', 10);
    const withToken = await subscribe({}, { connectionParams: { token: serviceToken() } });
    await withToken.until((s) => s.snapshots.length === 1);
    const bad = await subscribe({}, { connectionParams: { token: 'not-a-token' } });
    await bad.until((s) => s.snapshots.length === 1);
    expect(bad.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 10 }]);
    expect(bad.ws.readyState).toBe(WebSocket.OPEN);
    expect(server.query("select kind, ip from security_events where kind = 'unauthorized'")).toEqual([
      { kind: 'unauthorized', ip: '127.0.0.1' },
    ]);
  });

  it('refuses upgrades on other paths and from foreign origins', async () => {
    server = await startTestServer({ WS_ALLOWED_ORIGINS: 'https://board.example' });
    const statusOf = (path: string, origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + path, origin ? { origin } : {});
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => {});
      });
    expect(await statusOf('/elsewhere')).toBe(404);
    expect(await statusOf('/trpc', 'https://evil.example')).toBe(403);
    expect(await statusOf('/trpc', 'https://board.example')).toBe(101);
    expect(await statusOf('/trpc', server.url)).toBe(101);
    expect(await statusOf('/trpc')).toBe(101);
  });

  it('closes a connection that sends a message over the size cap', async () => {
    server = await startTestServer();
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/trpc');
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
  });
});
