import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitDecision, LimitSpec, RateLimiter, RateLimiterFactory } from '../rate-limiter.js';

const ALLOWED: LimitDecision = { allowed: true };

/** Spends one of `key`'s points in a rate-limiter-flexible limiter, as a decision. */
export async function consumeOne(limiter: RateLimiterAbstract, key: string): Promise<LimitDecision> {
  try {
    await limiter.consume(key);
    return ALLOWED;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
  }
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

  consume(key: string): Promise<LimitDecision> {
    return consumeOne(this.limiter, key);
  }
}

/** The factory for in-process limiters. */
export const memoryRateLimiters: RateLimiterFactory = (prefix, spec) => new MemoryRateLimiter(prefix, spec);
