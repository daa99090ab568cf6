import { describe, expect, it } from 'vitest';
import {
  ConnectionHealth,
  LiveConnectionError,
  STABLE_AFTER_MS,
  type ConnectionFailure,
} from '../../client-sdk/src/connection-health.js';

// The reconnect backoff of the SDK on a hand-driven clock, with the jitter pinned at its middle
// (random() = 0.5 gives the nominal delay).

function setup(random = 0.5) {
  let now = 1_000_000;
  const failures: ConnectionFailure[] = [];
  const health = new ConnectionHealth(
    (failure) => failures.push(failure),
    () => now,
    () => random,
  );
  return {
    health,
    failures,
    advance: (ms: number) => (now += ms),
  };
}

/** A socket that opened and lived `ms` before the server closed it with `code`. */
function liveFor(t: ReturnType<typeof setup>, ms: number, code = 1008, byUs = false): object {
  const socket = {};
  t.health.opened(socket);
  t.advance(ms);
  t.health.closed(socket, code, 'Invalid token', byUs);
  return socket;
}

describe('ConnectionHealth: the reconnect backoff', () => {
  it('grows with sockets that the server closes soon after they opened', () => {
    const t = setup();
    expect(t.health.delayMs()).toBe(250);
    const delays = [];
    for (let i = 0; i < 4; i += 1) {
      liveFor(t, 20);
      delays.push(t.health.delayMs());
    }
    // tRPC's own attempt index would have been 0 before each of these: 250 ms for ever.
    expect(delays).toEqual([250, 500, 1000, 2000]);
    expect(t.failures.map((f) => f.streak)).toEqual([true, true, true, true]);
    expect(t.failures[0]!.error).toBeInstanceOf(LiveConnectionError);
    expect(t.failures[0]!.error.message).toBe(
      'Live connection closed by the server 20 ms after it opened (1008 Invalid token)',
    );
    expect(t.failures[3]!.error.details).toEqual({ closeCode: 1008, failures: 4 });
  });

  it('grows with refused upgrades, and says which status refused them', () => {
    const t = setup();
    t.health.failedToOpen({}, 'Unexpected server response: 429');
    t.health.failedToOpen({}, 'connect ECONNREFUSED 127.0.0.1:45123');
    t.health.failedToOpen({}, undefined);
    expect(t.health.delayMs()).toBe(1000);
    const [refused, unreachable, silent] = t.failures.map((f) => f.error);
    expect(refused!.message).toBe('Live connection refused by the server (HTTP 429)');
    expect(refused!.reason).toBe('refused');
    expect(refused!.details.status).toBe(429);
    expect(unreachable!.message).toBe('Live connection failed: connect ECONNREFUSED 127.0.0.1:45123');
    expect(unreachable!.details.status).toBeUndefined();
    expect(silent!.message).toBe('Live connection failed (server unreachable or upgrade refused)');
  });

  it('never waits more than 10 s, jitter included', () => {
    const t = setup(0.999_999);
    for (let i = 0; i < 30; i += 1) t.health.failedToOpen({}, undefined);
    expect(t.health.delayMs()).toBeLessThanOrEqual(10_000);
    expect(t.health.delayMs()).toBeGreaterThan(9_900);
    expect(setup(0).health.delayMs()).toBe(187.5);
  });

  it('starts over only after a socket stayed up', () => {
    const t = setup();
    for (let i = 0; i < 3; i += 1) liveFor(t, 100);
    expect(t.health.delayMs()).toBe(1000);
    liveFor(t, STABLE_AFTER_MS - 1);
    expect(t.health.delayMs()).toBe(2000);
    // A connection that served for a while, then closed in an orderly way: nothing to report.
    liveFor(t, STABLE_AFTER_MS, 1012);
    expect(t.health.delayMs()).toBe(250);
    expect(t.failures).toHaveLength(4);
  });

  it('starts over while a socket has been up for a while, before it closes', () => {
    const t = setup();
    for (let i = 0; i < 3; i += 1) t.health.failedToOpen({}, undefined);
    t.health.opened({});
    expect(t.health.delayMs()).toBe(1000);
    t.advance(STABLE_AFTER_MS);
    expect(t.health.delayMs()).toBe(250); // e.g. the server asks every client to reconnect
  });

  it('backs off silently from a server that says it is restarting right after each open', () => {
    const t = setup();
    liveFor(t, 50, 1012);
    liveFor(t, 50, 1001);
    expect(t.failures).toEqual([]);
    expect(t.health.delayMs()).toBe(500);
  });

  it('reports a normal close right after the open, and not after a long life', () => {
    const t = setup();
    liveFor(t, 50, 1000);
    liveFor(t, STABLE_AFTER_MS, 1000);
    liveFor(t, STABLE_AFTER_MS, 1005);
    expect(t.failures.map((f) => f.error.details.closeCode)).toEqual([1000]);
  });

  it('reports an abnormal close of a long-lived socket without counting it', () => {
    const t = setup();
    liveFor(t, 60_000, 1006);
    expect(t.failures).toHaveLength(1);
    expect(t.failures[0]!.streak).toBe(false);
    expect(t.failures[0]!.error.message).toBe('Live connection closed abnormally (1006 Invalid token)');
    expect(t.health.delayMs()).toBe(250);
  });

  it('ignores the sockets this client closed itself', () => {
    const t = setup();
    liveFor(t, 10, 1005, true);
    liveFor(t, 10, 1000, true);
    expect(t.failures).toEqual([]);
    expect(t.health.consecutiveFailures).toBe(0);
  });

  it('says whether another socket still serves the board', () => {
    const t = setup();
    const serving = {};
    t.health.opened(serving);
    t.health.failedToOpen({}, 'Unexpected server response: 503');
    t.advance(STABLE_AFTER_MS);
    t.health.closed(serving, 1012, '', false);
    t.health.failedToOpen({}, 'connect ECONNREFUSED 127.0.0.1:1');
    expect(t.failures.map((f) => f.boardLive)).toEqual([true, false]);
  });
});
