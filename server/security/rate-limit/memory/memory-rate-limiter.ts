import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitDecision, LimitSpec, RateLimiter, RateLimiterFactory } from '../rate-limiter.js';

const ALLOWED: LimitDecision = { allowed: true };

/** A rejection of rate-limiter-flexible as a decision, with the wait in whole seconds. */
export function refusalOf(res: RateLimiterRes): LimitDecision {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
}

/**
 * In-process limiter (rate-limiter-flexible's memory store): right for one instance. Its
 * count is kept synchronously, so a consume is atomic. Past the budget, a `blockSeconds`
 * spec blocks the key for that long (the library's blockDuration).
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(prefix: string, spec: LimitSpec) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: prefix,
      points: spec.points,
      duration: spec.durationSeconds,
      blockDuration: spec.blockSeconds ?? 0,
    });
  }

  async consume(key: string): Promise<LimitDecision> {
    try {
      await this.limiter.consume(key);
      return ALLOWED;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return refusalOf(rejection);
      throw rejection;
    }
  }
}

/** The factory for in-process limiters. */
export const memoryRateLimiters: RateLimiterFactory = (prefix, spec) => new MemoryRateLimiter(prefix, spec);
