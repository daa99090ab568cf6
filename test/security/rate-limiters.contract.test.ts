import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { RedisConnection } from '../../server/live/redis-client.js';
import { createLogger } from '../../server/observability/logger.js';
import { memoryRateLimiters } from '../../server/security/rate-limit/memory/memory-rate-limiter.js';
import { redisRateLimiters } from '../../server/security/rate-limit/redis/redis-rate-limiter.js';
import { rateLimiterContract } from '../contracts/rate-limiter.contract.js';
import { REDIS_URL } from '../helpers/test-server.js';

rateLimiterContract('memory', () => memoryRateLimiters);

const redis = new RedisConnection(REDIS_URL, createLogger('silent'));
afterAll(() => redis.close());
rateLimiterContract('redis', async () => {
  await new Promise<void>((resolve) =>
    redis.client.status === 'ready' ? resolve() : redis.client.once('ready', () => resolve()),
  );
  return redisRateLimiters(redis, `sbt:limits:${randomBytes(6).toString('hex')}:`, memoryRateLimiters);
});
