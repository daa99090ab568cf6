import type { ChildServer } from '../helpers/child-server.js';
import { eventually, post } from './cluster.js';

/** What /readyz answers while Redis does not (spelled out here, not imported from the server). */
export const DEGRADED_BODY = {
  status: 'degraded',
  degraded: ['redis'],
  message: 'Redis is not answering: rate limits are per instance and live changes follow the database',
};

/** One series of an instance's /metrics (undefined when it is not exported). */
export async function metric(instance: ChildServer, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${instance.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * How an instance says Redis is: `up` or `degraded` when /readyz and `scoreboard_redis_up`
 * agree on it, else what they say.
 */
export async function redisState(instance: ChildServer): Promise<string> {
  try {
    const res = await fetch(`${instance.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    const body = JSON.stringify(await res.json());
    const up = await metric(instance, 'scoreboard_redis_up');
    if (res.status === 200 && body === JSON.stringify({ status: 'ready' }) && up === 1) return 'up';
    if (res.status === 200 && body === JSON.stringify(DEGRADED_BODY) && up === 0) return 'degraded';
    return `readyz ${res.status} ${body}, scoreboard_redis_up ${up}`;
  } catch (err) {
    return `no answer: ${String(err)}`;
  }
}

/** Waits until every instance says Redis is `state`. */
export async function untilRedis(instances: ChildServer[], state: 'up' | 'degraded'): Promise<void> {
  let last: string[] = [];
  await eventually(
    async () => {
      last = await Promise.all(instances.map(redisState));
      return last.every((s) => s === state);
    },
    30_000,
    `every instance saying Redis is ${state}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; they say: ${last.join(' | ')}`);
  });
}

/**
 * Writes on `from` (recording each acknowledged action in `acknowledged`) until `to` has
 * taken a change from it over Redis pub/sub: push between instances works again. A message
 * sent before `to` has subscribed again is lost to it, hence more than one write may be needed.
 */
export async function untilPushCrosses(
  from: ChildServer,
  to: ChildServer,
  acknowledged: string[],
): Promise<void> {
  const before = (await metric(to, 'scoreboard_live_bus_received_total')) ?? 0;
  let n = 0;
  await eventually(
    async () => {
      n += 1;
      const action = `push-${n}`;
      if ((await post(from, 'pusher', action, 10_000 + n)) === 200) acknowledged.push(action);
      return ((await metric(to, 'scoreboard_live_bus_received_total')) ?? 0) > before;
    },
    30_000,
    'a change crossing over Redis again',
  );
}
