import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { createLogger } from '../../server/observability/logger.js';
import { MemoryBusHub, MemoryLiveBus } from '../../server/live/bus/memory/memory-live-bus.js';
import { RedisLiveBus } from '../../server/live/bus/redis/redis-live-bus.js';
import { RedisConnection } from '../../server/live/redis-client.js';
import { liveBusContract } from '../contracts/live-bus.contract.js';
import { REDIS_URL } from '../helpers/test-server.js';

liveBusContract('memory', async () => {
  const hub = new MemoryBusHub();
  return () => new MemoryLiveBus(hub);
});

const logger = createLogger('silent');
const redis = new RedisConnection(REDIS_URL, logger);
afterAll(() => redis.close());
liveBusContract('redis', async () => {
  await new Promise<void>((resolve) =>
    redis.client.status === 'ready' ? resolve() : redis.client.once('ready', () => resolve()),
  );
  const channel = `sbt:bus:${randomBytes(6).toString('hex')}`;
  return () => new RedisLiveBus({ redis, channel, epoch: 'epoch1', logger });
});
