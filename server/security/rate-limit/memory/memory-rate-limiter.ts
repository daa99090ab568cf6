import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitDecision, LimitSpec, RateLimiter, RateLimiterFactory } from '../rate-limiter.js';

const ALLOWED: LimitDecision = { allowed: true };

function refusal(res: RateLimiterRes): LimitDecision {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
}

/** In-process limiter (rate-limiter-flexible's memory store): right for one instance. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory;
  private readonly blockSeconds: number;

  constructor(prefix: string, spec: LimitSpec) {
    this.blockSeconds = spec.blockSeconds ?? 0;
    this.limiter = new RateLimiterMemory({
      keyPrefix: prefix,
      points: spec.points,
      duration: spec.durationSeconds,
      blockDuration: spec.blockSeconds ?? 0,
    });
  }

  async consume(key: string): Promise<LimitDecision> {
    try {
      const res = await this.limiter.consume(key);
      // Spending the last point starts the block at once, not at the next attempt.
      if (this.blockSeconds > 0 && res.remainingPoints === 0)
        await this.limiter.block(key, this.blockSeconds);
      return ALLOWED;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return refusal(rejection);
      throw rejection;
    }
  }

  async peek(key: string): Promise<LimitDecision> {
    const res = await this.limiter.get(key);
    if (!res || res.remainingPoints > 0) return ALLOWED;
    return refusal(res);
  }
}

/** The factory for in-process limiters. */
export const memoryRateLimiters: RateLimiterFactory = (prefix, spec) => new MemoryRateLimiter(prefix, spec);
