import { Redis } from 'ioredis';
import { commandName } from './cpu.js';

async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Redis's version and, when it runs on this machine, its pid (for its CPU). Throws when unreachable. */
export async function redisInfo(url: string): Promise<{ version: string; pid: number | null }> {
  const info = await withRedis(url, (redis) => redis.info('server'));
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  return {
    version: /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown',
    pid: Number.isInteger(pid) && commandName(pid) === 'redis-server' ? pid : null,
  };
}

/** Keys under `prefix` (the run's rate-limiter buckets). */
export async function countKeys(url: string, prefix: string): Promise<number> {
  return withRedis(url, async (redis) => (await scan(redis, prefix)).length);
}

/** Deletes every key under `prefix`; resolves with how many there were. */
export async function dropKeys(url: string, prefix: string): Promise<number> {
  return withRedis(url, async (redis) => {
    const keys = await scan(redis, prefix);
    for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
    return keys.length;
  });
}

async function scan(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
