import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { createRedis } from '../../server/live/redis-client.js';
import { memoryRateLimiters } from '../../server/security/rate-limit/memory/memory-rate-limiter.js';
import { redisRateLimiters } from '../../server/security/rate-limit/redis/redis-rate-limiter.js';
import { rateLimiterContract } from '../contracts/rate-limiter.contract.js';
import { REDIS_URL } from '../helpers/test-server.js';

rateLimiterContract('memory', () => memoryRateLimiters);

const redis = createRedis(REDIS_URL);
afterAll(() => redis.disconnect());
rateLimiterContract('redis', async () => {
  await new Promise<void>((resolve) =>
    redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
  );
  return redisRateLimiters(redis, `sbt:limits:${randomBytes(6).toString('hex')}:`);
});
