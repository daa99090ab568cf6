import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { RedisBreaker, type BreakerOptions } from '../../server/live/redis-breaker.js';
import { createLogger } from '../../server/observability/logger.js';

/** A connection whose PING answers or fails as the test says; `pings` counts probes. */
class FakeConnection extends EventEmitter {
  answers = false;
  pings = 0;
  async ping(): Promise<string> {
    this.pings += 1;
    if (!this.answers) throw new Error('Command timed out');
    return 'PONG';
  }
}

function breakerOn(connection: FakeConnection, options: BreakerOptions) {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  let trips = 0;
  const breaker = new RedisBreaker(connection, options, logger, () => (trips += 1));
  return { breaker, lines, trips: () => trips, messages: () => lines.map((l) => l.msg) };
}

const failing = () => Promise.reject(new Error('Command timed out'));
const WAIT = { timeout: 10_000, interval: 5 };

describe('RedisBreaker', () => {
  it('opens after the configured failures in a row, then answers from the fallback without calling Redis', async () => {
    const { breaker, trips } = breakerOn(new FakeConnection(), { failures: 3, coolDownMs: 60_000 });
    expect(await breaker.call(failing, () => 'fallback')).toBe('fallback');
    expect(await breaker.call(failing, () => 'fallback')).toBe('fallback');
    expect(
      await breaker.call(
        async () => 'redis',
        () => 'fallback',
      ),
    ).toBe('redis'); // the run ends
    expect(await breaker.call(failing, () => 'fallback')).toBe('fallback');
    expect(await breaker.call(failing, () => 'fallback')).toBe('fallback');
    expect([breaker.state, trips()]).toEqual(['closed', 0]);
    await breaker.call(failing, () => 'fallback');
    expect([breaker.state, trips()]).toEqual(['open', 1]);

    const command = vi.fn(async () => 'redis');
    expect(await breaker.call(command, () => 'fallback')).toBe('fallback');
    expect(command).not.toHaveBeenCalled();
    breaker.stop();
  });

  it('probes after the cool-down, stays open while probes fail, and closes once Redis answers; each change logged once', async () => {
    const connection = new FakeConnection();
    const { breaker, trips, messages } = breakerOn(connection, { failures: 1, coolDownMs: 20 });
    await breaker.call(failing, () => 0);
    expect(breaker.state).toBe('open');
    await vi.waitFor(() => expect(connection.pings).toBeGreaterThanOrEqual(3), WAIT);
    expect(breaker.closed).toBe(false);

    connection.answers = true;
    await vi.waitFor(() => expect(breaker.state).toBe('closed'), WAIT);
    expect(
      await breaker.call(
        async () => 'redis',
        () => 'fallback',
      ),
    ).toBe('redis');
    expect(trips()).toBe(1); // failed probes are not new trips
    expect(messages()).toEqual([
      'Redis is not answering: rate limits are per instance and live changes follow the database until it does',
      'Redis answers again: rate limits are shared and live changes cross over Redis',
    ]);
    breaker.stop();
  });

  it('answers from the fallback while its probe waits for Redis', async () => {
    let answer: (value: string) => void = () => {};
    const connection = new FakeConnection();
    connection.ping = () => new Promise<string>((resolve) => (answer = resolve));
    const { breaker } = breakerOn(connection, { failures: 1, coolDownMs: 10 });
    await breaker.call(failing, () => 0);
    await vi.waitFor(() => expect(breaker.state).toBe('half-open'), WAIT);
    const command = vi.fn(async () => 'redis');
    expect(await breaker.call(command, () => 'fallback')).toBe('fallback');
    expect(command).not.toHaveBeenCalled();
    answer('PONG');
    await vi.waitFor(() => expect(breaker.state).toBe('closed'), WAIT);
    breaker.stop();
  });

  it('opens at once when the connection is lost, and probes as soon as it is back', async () => {
    const connection = new FakeConnection();
    const { breaker, trips } = breakerOn(connection, { failures: 3, coolDownMs: 600_000 });
    connection.emit('close');
    expect([breaker.state, trips()]).toEqual(['open', 1]);
    connection.emit('close'); // reconnect attempts fail: still one trip
    expect(trips()).toBe(1);
    connection.answers = true;
    connection.emit('ready');
    await vi.waitFor(() => expect(breaker.state).toBe('closed'), WAIT);
    breaker.stop();
  });

  it('takes a connection closed on purpose (stopped) for no outage', () => {
    const connection = new FakeConnection();
    const { breaker, trips, lines } = breakerOn(connection, { failures: 1, coolDownMs: 10 });
    breaker.stop();
    connection.emit('close');
    expect([breaker.state, trips(), lines]).toEqual(['closed', 0, []]);
  });
});
