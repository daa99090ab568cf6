import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_BREAKER, RedisBreaker, type BreakerOptions } from './redis-breaker.js';

/** Reconnects quickly at first, then every 2 s at most. */
export function retryDelay(attempt: number): number {
  return Math.min(2000, 50 * 2 ** attempt);
}

/**
 * The commands connection to REDIS_URL and the one breaker that guards it (the rate limiters
 * and the live bus's publisher share both). Commands fail at once while the connection is
 * down (no offline queue) and after a short timeout while Redis hangs; the breaker turns a
 * few such failures into fallbacks for everyone. Commands issued in the same turn of the event
 * loop (the budgets of every request that arrived together) go out as one pipeline: one write
 * and one read instead of one each per command (see docs/performance.md).
 */
export class RedisConnection {
  readonly client: Redis;
  readonly breaker: RedisBreaker;

  constructor(
    readonly url: string,
    logger: Logger,
    options: { breaker?: BreakerOptions; tripped?: () => void } = {},
  ) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      retryStrategy: retryDelay,
    });
    this.client.on('error', () => {}); // reconnects by itself; the breaker sees the link go and come back
    this.breaker = new RedisBreaker(this.client, options.breaker ?? DEFAULT_BREAKER, logger, options.tripped);
  }

  /** Closes the connection on purpose (the breaker does not take it for an outage). */
  close(): void {
    this.breaker.stop();
    this.client.disconnect();
  }
}
