import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { consumeOne } from '../memory/memory-rate-limiter.js';
import type { LimitDecision, LimitSpec, RateLimiter, RateLimiterFactory } from '../rate-limiter.js';

/**
 * A limiter every instance shares, in Redis (rate-limiter-flexible's atomic Lua consume),
 * with an in-memory insurance limiter of the same size: while Redis is unreachable each
 * instance keeps limiting on its own, so an outage degrades limits instead of failing
 * requests.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: Redis, prefix: string, spec: LimitSpec) {
    const options = {
      keyPrefix: prefix,
      points: spec.points,
      duration: spec.durationSeconds,
      blockDuration: spec.blockSeconds ?? 0,
    };
    this.limiter = new RateLimiterRedis({
      ...options,
      storeClient: redis,
      // A Redis that is not connected answers at once from the insurance, not after a timeout.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  consume(key: string): Promise<LimitDecision> {
    return consumeOne(this.limiter, key);
  }
}

/** The factory for limiters shared through Redis, under `prefix`. */
export function redisRateLimiters(redis: Redis, prefix: string): RateLimiterFactory {
  return (name, spec) => new RedisRateLimiter(redis, `${prefix}limit:${name}`, spec);
}
