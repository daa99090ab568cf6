import {
  ALLOWED,
  refusedFor,
  type LimitDecision,
  type LimitSpec,
  type RateLimiter,
  type RateLimiterFactory,
} from '../rate-limiter.js';

/** One key's window; times in ms on the limiter's clock. */
interface Window {
  count: number;
  resetAt: number;
  blockedUntil: number;
}

/** The default clock: whole ms since the process started (small integers, cheap to store). */
const processClock = () => Math.floor(performance.now());

/**
 * In-process fixed-window limiter, right for one instance: the window starts at a key's first
 * point, and past the budget a `blockSeconds` spec refuses the key for that long. The count is
 * kept synchronously, so a consume is atomic.
 *
 * Written here rather than taken from rate-limiter-flexible's memory store because of what it
 * costs per key at scale: that store arms a timer per key to forget it, several times what a
 * key costs here (docs/performance.md has the figures). Here a key costs its map
 * entry and a three-number object, and keys are forgotten in bulk: the map in use is retired
 * every period (the longer of the window and the block), and a retired map is dropped one period
 * later, so a key lives at most two periods after its last point and nothing sweeps key by key.
 */
export class MemoryRateLimiter implements RateLimiter {
  private current = new Map<string, Window>();
  private previous = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly periodMs: number;
  private rotateAt: number;

  constructor(
    private readonly spec: LimitSpec,
    private readonly now: () => number = processClock,
  ) {
    this.windowMs = spec.durationSeconds * 1000;
    this.blockMs = (spec.blockSeconds ?? 0) * 1000;
    this.periodMs = Math.max(this.windowMs, this.blockMs);
    this.rotateAt = now() + this.periodMs;
  }

  consume(key: string): Promise<LimitDecision> {
    return Promise.resolve(this.take(key));
  }

  /** Keys held (both maps; a key may be in both). */
  get heldKeys(): number {
    return this.current.size + this.previous.size;
  }

  private take(key: string): LimitDecision {
    const now = this.now();
    if (now >= this.rotateAt) this.rotate(now);
    let window = this.current.get(key);
    if (!window) {
      window = this.previous.get(key);
      if (window) this.current.set(key, window);
    }
    if (window && window.blockedUntil > now) return refusedFor(window.blockedUntil - now);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs, blockedUntil: 0 };
      this.current.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.spec.points) return ALLOWED;
    if (this.blockMs > 0) {
      window.blockedUntil = now + this.blockMs;
      return refusedFor(this.blockMs);
    }
    return refusedFor(window.resetAt - now);
  }

  /**
   * Retires the map in use. Every window in the retired map ends within one period of its last
   * change (it changed before this rotation), so the map retired before it holds only ended
   * windows and is dropped; after a quiet spell of two periods both are.
   */
  private rotate(now: number): void {
    this.previous = now >= this.rotateAt + this.periodMs ? new Map() : this.current;
    this.current = new Map();
    this.rotateAt = now + this.periodMs;
  }
}

/** The factory for in-process limiters (each limiter is its own key space). */
export const memoryRateLimiters: RateLimiterFactory = (_prefix, spec) => new MemoryRateLimiter(spec);
