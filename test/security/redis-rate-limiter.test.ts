import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisConnection } from '../../server/live/redis-client.js';
import { createLogger } from '../../server/observability/logger.js';
import { memoryRateLimiters } from '../../server/security/rate-limit/memory/memory-rate-limiter.js';
import { redisRateLimiters } from '../../server/security/rate-limit/redis/redis-rate-limiter.js';
import { freePort } from '../../scripts/local/ports.js';

let redis: RedisConnection | undefined;
afterEach(() => {
  redis?.close();
  redis = undefined;
});

describe('the Redis rate limiter while Redis does not answer', () => {
  it('limits each key on its own fallback, with the same budget and block', async () => {
    // Nothing listens on this port: the connection is refused and the breaker opens.
    redis = new RedisConnection(`redis://127.0.0.1:${await freePort()}`, createLogger('silent'));
    const connection = redis;
    await vi.waitFor(() => expect(connection.breaker.state).not.toBe('closed'), { timeout: 10_000 });
    const limiters = redisRateLimiters(redis, 'sbt:dead:', memoryRateLimiters);
    const user = limiters('user', { points: 2, durationSeconds: 60 });
    const failures = limiters('authfail', { points: 1, durationSeconds: 60, blockSeconds: 300 });

    expect(await user.consume('alice')).toEqual({ allowed: true });
    expect(await user.consume('alice')).toEqual({ allowed: true });
    expect(await user.consume('alice')).toMatchObject({ allowed: false });
    expect(await user.consume('bob')).toEqual({ allowed: true });
    expect(await failures.consume('10.0.0.1')).toEqual({ allowed: true });
    const blocked = await failures.consume('10.0.0.1');
    expect(blocked).toMatchObject({ allowed: false });
    expect((blocked as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(60);
  });
});
