import { refuse, type Refusal } from '../scores/refusal.js';
import type { RateLimiter, RateLimiterFactory } from './rate-limit/rate-limiter.js';

/** Sizes of the three budgets, per minute. */
export interface GuardLimits {
  readonly userPerMin: number;
  readonly ipPerMin: number;
  readonly authFailuresPerMin: number;
}

/** Once an IP has spent its failed-authentication budget, it waits this long. */
export const AUTH_FAILURE_BLOCK_SECONDS = 300;

const tooMany = (retryAfter: number) =>
  refuse('rate_limited', `Too many requests; retry in ${retryAfter} seconds`, retryAfter);

/**
 * Rate limits for score updates, shared by both adapters. Before a token is read, an IP
 * spends from its budget (and is refused while blocked for failed authentications); after
 * authorization, the user whose score would change spends from theirs. Keying the user
 * budget by the target `user_id` equals the token's `sub` for players, and keeps one
 * service token (a game server acting for many players) from sharing a single budget.
 */
export class RequestGuard {
  private readonly user: RateLimiter;
  private readonly ip: RateLimiter;
  private readonly authFailures: RateLimiter;

  constructor(limiters: RateLimiterFactory, limits: GuardLimits) {
    this.user = limiters('user', { points: limits.userPerMin, durationSeconds: 60 });
    this.ip = limiters('ip', { points: limits.ipPerMin, durationSeconds: 60 });
    this.authFailures = limiters('authfail', {
      points: limits.authFailuresPerMin,
      durationSeconds: 60,
      blockSeconds: AUTH_FAILURE_BLOCK_SECONDS,
    });
  }

  /**
   * Admits a request from `ip`: refused while the IP is blocked for failed authentications,
   * and, for updates (`spend`), when the IP's budget is spent.
   */
  async admit(ip: string | null, spend: boolean): Promise<Refusal | undefined> {
    const key = ip ?? 'unknown';
    const blocked = await this.authFailures.peek(key);
    if (!blocked.allowed) return tooMany(blocked.retryAfterSeconds);
    if (!spend) return undefined;
    const byIp = await this.ip.consume(key);
    return byIp.allowed ? undefined : tooMany(byIp.retryAfterSeconds);
  }

  /** Counts a failed authentication against the IP. */
  async authenticationFailed(ip: string | null): Promise<void> {
    await this.authFailures.consume(ip ?? 'unknown');
  }

  /** Spends one update from the budget of the user whose score would change. */
  async limitUser(userId: string): Promise<Refusal | undefined> {
    const byUser = await this.user.consume(userId);
    return byUser.allowed ? undefined : tooMany(byUser.retryAfterSeconds);
  }
}
