import { tooManyRequests, type Refusal } from '../domain/refusal.js';
import type { RateLimiter, RateLimiterFactory } from './rate-limit/rate-limiter.js';

/** Sizes of the budgets, per minute. */
export interface GuardLimits {
  readonly userPerMin: number;
  readonly ipPerMin: number;
  readonly authFailuresPerMin: number;
  readonly readsPerMin: number;
}

/** Once an IP has spent its failed-authentication budget, its bad tokens wait this long. */
export const AUTH_FAILURE_BLOCK_SECONDS = 300;

/**
 * The request budgets. Every check is one atomic consume (no check-then-count), keyed by
 * client IP or by the user whose score would change. Keying the user budget by the target
 * `user_id` equals the token's `sub` for players, and keeps one service token (a game server
 * acting for many players) from sharing a single budget.
 */
export class RequestGuard {
  private readonly user: RateLimiter;
  private readonly ip: RateLimiter;
  private readonly reads: RateLimiter;
  private readonly authFailures: RateLimiter;

  constructor(limiters: RateLimiterFactory, limits: GuardLimits) {
    this.user = limiters('user', { points: limits.userPerMin, durationSeconds: 60 });
    this.ip = limiters('ip', { points: limits.ipPerMin, durationSeconds: 60 });
    this.reads = limiters('read', { points: limits.readsPerMin, durationSeconds: 60 });
    this.authFailures = limiters('authfail', {
      points: limits.authFailuresPerMin,
      durationSeconds: 60,
      blockSeconds: AUTH_FAILURE_BLOCK_SECONDS,
    });
  }

  /** Counts a failed authentication; past the budget the IP's bad tokens are refused with 429 for a while. */
  failedAuthentication(ip: string | null): Promise<Refusal | undefined> {
    return this.spend(this.authFailures, ip ?? 'unknown');
  }

  /** Spends one update from the IP's budget. */
  spendUpdate(ip: string | null): Promise<Refusal | undefined> {
    return this.spend(this.ip, ip ?? 'unknown');
  }

  /** Spends one public read from the IP's budget. */
  spendRead(ip: string | null): Promise<Refusal | undefined> {
    return this.spend(this.reads, ip ?? 'unknown');
  }

  /** Spends one update from the budget of the user whose score would change. */
  limitUser(userId: string): Promise<Refusal | undefined> {
    return this.spend(this.user, userId);
  }

  private async spend(limiter: RateLimiter, key: string): Promise<Refusal | undefined> {
    const decision = await limiter.consume(key);
    return decision.allowed ? undefined : tooManyRequests(decision.retryAfterSeconds);
  }
}
