import type { Refusal } from '../domain/refusal.js';
import type { RequestOrigin } from '../domain/request-origin.js';
import type { Logger } from '../observability/logger.js';
import type { FlagStore } from '../storage/storage.js';
import type { RateLimiter, RateLimiterFactory } from './rate-limit/rate-limiter.js';

/** How many refusals in how long make a user suspicious. */
export interface FlagPolicy {
  readonly threshold: number;
  readonly windowSeconds: number;
}

/** Refusals that say something about the caller (not about our own availability). */
const COUNTED = new Set([
  'invalid_input',
  'forbidden',
  'conflict',
  'payload_too_large',
  'score_rule',
  'rate_limited',
]);

/**
 * Flags a token subject whose refusals pass the threshold within the window. Counting reuses
 * the rate limiter (a budget of `threshold` refusals per window); a subject is flagged once
 * per window, however many more refusals follow. Unverified subjects (401) are never flagged:
 * anyone can write any `sub` into a forged token.
 */
export class AnomalyFlags {
  private readonly counter: RateLimiter;
  private readonly flaggedUntil = new Map<string, number>();

  constructor(
    private readonly store: FlagStore,
    limiters: RateLimiterFactory,
    private readonly policy: FlagPolicy,
    private readonly logger: Logger,
    private readonly onFlag: () => void = () => {},
  ) {
    this.counter = limiters('refusals', { points: policy.threshold, durationSeconds: policy.windowSeconds });
  }

  /** Counts a refusal against its subject; flags the subject when the budget is spent. */
  async observe(refusal: Refusal, origin: RequestOrigin): Promise<void> {
    const subject = origin.subject;
    if (!subject || subject.startsWith('unverified:') || !COUNTED.has(refusal.kind)) return;
    const decision = await this.counter.consume(subject);
    if (decision.allowed) return;
    const now = Date.now();
    if ((this.flaggedUntil.get(subject) ?? 0) > now) return;
    this.forgetExpired(now);
    this.flaggedUntil.set(subject, now + this.policy.windowSeconds * 1000);
    const reason = `more than ${this.policy.threshold} refused requests within ${this.policy.windowSeconds} s (last: ${refusal.kind})`;
    this.onFlag();
    this.logger.warn({ event: 'user_flagged', subject, reqId: origin.requestId }, reason);
    try {
      await this.store.flagUser(subject, reason);
    } catch (error) {
      this.logger.error({ err: error, subject }, 'could not store a flag');
    }
  }

  /**
   * Forgets that a subject was flagged in this window (after an admin clears the flag): the
   * next counted refusal while its budget is still spent flags it again.
   */
  forget(subject: string): void {
    this.flaggedUntil.delete(subject);
  }

  private forgetExpired(now: number): void {
    for (const [subject, until] of this.flaggedUntil) if (until <= now) this.flaggedUntil.delete(subject);
  }
}
