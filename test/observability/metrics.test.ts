import { afterEach, describe, expect, it } from 'vitest';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

let server: TestServer;
afterEach(() => server?.close());

const metricsText = async (headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('exports update outcomes, refusals, latency, commits, sockets and process metrics', async () => {
    server = await startTestServer({ RATE_LIMIT_USER_PER_MIN: '2' });
    const post = (action: string, score: number) =>
      server.post(
        '/update-score',
        { user_id: 'alice', action_id: action, new_score: score },
        { authorization: `Bearer ${tokenFor('alice')}` },
      );
    await post('a1', 10);
    await post('a1', 10); // replay
    await post('a2', 20); // rate limited (third in the minute)
    const sub = await RawSubscriber.open(server.url);
    await sub.until((s) => s.snapshots.length === 1);

    const { status, type, text } = await metricsText();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, 'scoreboard_updates_total{outcome="applied"}')).toBe(1);
    expect(value(text, 'scoreboard_updates_total{outcome="replayed"}')).toBe(1);
    expect(value(text, 'scoreboard_updates_total{outcome="rate_limited"}')).toBe(1);
    expect(value(text, 'scoreboard_rate_limited_total')).toBe(1);
    expect(value(text, 'scoreboard_refusals_total{kind="rate_limited"}')).toBe(1);
    expect(value(text, 'scoreboard_update_duration_seconds_count')).toBe(3);
    expect(value(text, 'scoreboard_db_commit_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(value(text, 'scoreboard_ws_connections')).toBe(1);
    expect(value(text, 'scoreboard_live_subscribers')).toBe(1);
    expect(value(text, 'scoreboard_slow_consumers_dropped_total')).toBe(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');
    sub.close();
  });

  it('counts every refused update by outcome, those refused before the service included', async () => {
    server = await startTestServer();
    const auth = { authorization: `Bearer ${tokenFor('alice')}` };
    await server.post('/update-score', { user_id: 'alice', action_id: 'a1', new_score: 1 }); // 401
    await server.post('/update-score', '{"user_id":', auth); // 400
    await server.post('/update-score', 'x'.repeat(17_000), auth); // 413
    await server.post('/update-score', { user_id: 'bob', action_id: 'b1', new_score: 1 }, auth); // 403
    const { text } = await metricsText();
    expect(value(text, 'scoreboard_updates_total{outcome="unauthorized"}')).toBe(1);
    expect(value(text, 'scoreboard_updates_total{outcome="invalid_input"}')).toBe(1);
    expect(value(text, 'scoreboard_updates_total{outcome="payload_too_large"}')).toBe(1);
    expect(value(text, 'scoreboard_updates_total{outcome="forbidden"}')).toBe(1);
  });

  it('needs the METRICS_TOKEN bearer token when one is configured', async () => {
    server = await startTestServer({ METRICS_TOKEN: 'scrape-me' });
    expect((await metricsText()).status).toBe(401);
    expect((await metricsText({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await metricsText({ authorization: 'Bearer scrape-me' })).status).toBe(200);
  });
});
