/** The answer of a limiter: allowed, or refused with the wait in whole seconds. */
export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const ALLOWED: LimitDecision = { allowed: true };

/** A refusal for a wait of `ms`, in whole seconds (at least one). */
export const refusedFor = (ms: number): LimitDecision => ({
  allowed: false,
  retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)),
});

/**
 * A fixed budget of points per key per window. The embedded implementation keeps counts in
 * memory; a distributed one (Redis) can replace it without touching the callers.
 */
export interface RateLimiter {
  /**
   * Spends one point of `key`'s budget, atomically: the check and the count are one step, so
   * concurrent callers can never all pass a check before any of them is counted.
   */
  consume(key: string): Promise<LimitDecision>;
}

/** How a limiter is sized. */
export interface LimitSpec {
  /** Points per window. */
  readonly points: number;
  /** Window length in seconds. */
  readonly durationSeconds: number;
  /** Past the budget, refuse for this long (seconds) instead of until the window ends. */
  readonly blockSeconds?: number;
}

/** Builds a limiter for a key space (`prefix`) of the given size. */
export type RateLimiterFactory = (prefix: string, spec: LimitSpec) => RateLimiter;
