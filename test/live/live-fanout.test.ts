import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { until } from '../helpers/until.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
const open: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await server?.close();
});

const set = (user: string, action: string, score: number) => server.setScore(user, action, score);

describe('leaderboard.live fan-out', () => {
  it('brings 200 subscribers to the same final top 10 after a burst of 300 updates', async () => {
    server = await startTestServer({ SCORE_MAX_GAIN: '1000000' });
    const subscribers = await Promise.all(Array.from({ length: 200 }, () => RawSubscriber.open(server.url)));
    open.push(...subscribers);
    await Promise.all(subscribers.map((s) => s.until((x) => x.snapshots.length >= 1)));

    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => set(`player-${i % 50}`, `burst-${i}`, (i * 7919) % 1000)),
    );
    expect(results.filter((r) => r.status !== 200 && r.status !== 422)).toEqual([]);
    const final = (await (await fetch(`${server.url}/leaderboard`)).json()).entries;
    expect(final).toHaveLength(10);
    await Promise.all(
      subscribers.map((s) =>
        s.until((x) => JSON.stringify(x.latest!.entries) === JSON.stringify(final), 10_000),
      ),
    );
    const versions = new Set(subscribers.map((s) => s.latest!.version));
    expect(versions.size).toBe(1);
    // Coalescing: nobody got anything near one frame per update.
    expect(Math.max(...subscribers.map((s) => s.snapshots.length))).toBeLessThan(150);
  });

  it('drops a subscriber that stops reading, and counts it, while the others keep receiving', async () => {
    server = await startTestServer({
      SCORE_MAX_GAIN: '1000000',
      LEADERBOARD_SIZE: '100',
      WS_MAX_BUFFERED_BYTES: '262144',
      WS_MAX_SUBSCRIPTIONS: '100',
      WS_MAX_MESSAGES_PER_SECOND: '1000',
    });
    const healthy = await RawSubscriber.open(server.url, { limit: 100 });
    open.push(healthy);

    // Two sockets subscribe 100 times each, so every publish sends them a lot; one keeps
    // reading (busy but healthy), the other stops reading.
    const heavy = async () => {
      const ws = new WebSocket(server.url.replace('http', 'ws') + '/trpc');
      await new Promise((resolve) => ws.once('open', resolve));
      let started = 0;
      ws.on('message', (data) => {
        if (String(data).includes('"type":"started"')) started += 1;
      });
      for (let id = 1; id <= 100; id++) {
        const input = { limit: 100 };
        ws.send(JSON.stringify({ id, method: 'subscription', params: { path: 'leaderboard.live', input } }));
      }
      await until(() => started === 100, 'all 100 subscriptions started');
      return ws;
    };
    const busy = await heavy();
    let busyFrames = 0;
    busy.on('message', () => (busyFrames += 1));
    const slow = await heavy();
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    // Rounds of updates, each waited for until the healthy subscriber has seen it (so the
    // publishes are spread out as the server coalesces them), until the reader that stopped
    // is dropped.
    const longId = (i: number) => `player-${i}-${'x'.repeat(110)}`;
    for (let round = 1; server.app.sockets.dropped() === 0; round++) {
      expect(round, 'rounds before the slow reader was dropped').toBeLessThan(500);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          set(longId(i + (round % 5) * 20), `r${round}-${i}`, round * 100 + i),
        ),
      );
      await healthy.until((s) => s.latest!.entries[0]!.score === round * 100 + 19);
    }
    expect(server.app.sockets.dropped()).toBe(1);
    expect(busy.readyState).toBe(WebSocket.OPEN);
    expect(busyFrames).toBeGreaterThan(100);
    busy.terminate();
    slow.terminate();
    await set('latecomer', 'late-1', 1_000_000);
    await healthy.until((s) => s.latest!.entries[0]!.user_id === 'latecomer', 5000);
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
  });
});
