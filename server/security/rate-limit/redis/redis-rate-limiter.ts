import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from '../../../live/redis-client.js';
import type { RedisBreaker } from '../../../live/redis-breaker.js';
import {
  ALLOWED,
  refusedFor,
  type LimitDecision,
  type LimitSpec,
  type RateLimiter,
  type RateLimiterFactory,
} from '../rate-limiter.js';

/**
 * A limiter every instance shares, in Redis (rate-limiter-flexible's atomic Lua consume),
 * behind the connection's breaker, with a fallback limiter of the same size: while Redis does
 * not answer (the breaker is open, or a command failed) each instance limits on its own, so an
 * outage degrades limits instead of failing or slowing requests.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterRedis;
  private readonly breaker: RedisBreaker;

  constructor(
    redis: RedisConnection,
    prefix: string,
    spec: LimitSpec,
    private readonly fallback: RateLimiter,
  ) {
    this.breaker = redis.breaker;
    this.limiter = new RateLimiterRedis({
      keyPrefix: prefix,
      points: spec.points,
      duration: spec.durationSeconds,
      blockDuration: spec.blockSeconds ?? 0,
      storeClient: redis.client,
      // A connection that is down fails at once instead of after the command timeout.
      rejectIfRedisNotReady: true,
    });
  }

  consume(key: string): Promise<LimitDecision> {
    return this.breaker.call(
      () => this.consumeInRedis(key),
      () => this.fallback.consume(key),
    );
  }

  /** Rejects only when Redis did not answer; a spent budget is a decision. */
  private async consumeInRedis(key: string): Promise<LimitDecision> {
    try {
      await this.limiter.consume(key);
      return ALLOWED;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return refusedFor(rejection.msBeforeNext);
    }
  }
}

/**
 * The factory for limiters shared through Redis, under `prefix`; `fallback` makes the
 * per-instance limiter each one uses while Redis does not answer.
 */
export function redisRateLimiters(
  redis: RedisConnection,
  prefix: string,
  fallback: RateLimiterFactory,
): RateLimiterFactory {
  return (name, spec) => {
    const keySpace = `${prefix}limit:${name}`;
    return new RedisRateLimiter(redis, keySpace, spec, fallback(keySpace, spec));
  };
}
