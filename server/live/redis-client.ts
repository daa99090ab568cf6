import { Redis } from 'ioredis';
import { retryDelay } from './bus/redis/redis-live-bus.js';

/**
 * The commands connection to REDIS_URL. Commands fail at once while it is down (no offline
 * queue, a short timeout), so a Redis outage costs a fallback, never a hanging request.
 */
export function createRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    retryStrategy: retryDelay,
  });
  redis.on('error', () => {}); // reconnects by itself; callers see their own command fail
  return redis;
}
