import { afterEach, describe, expect, it } from 'vitest';
import type { ChildServer } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { SpareRedis } from '../../scripts/local/spare-redis.js';
import { eventually, post, startCluster, type Cluster } from './cluster.js';
import { metric, untilPushCrosses, untilRedis } from './redis-health.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let redis: SpareRedis | undefined;
const subscribers: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await cluster?.stop();
  await schema?.drop();
  await redis?.stop(); // SIGKILL ends a paused Redis too
  [schema, cluster, redis] = [undefined, undefined, undefined];
});

/** Two instances on a fresh schema and the test's own Redis; a short cool-down between probes. */
async function twoInstances(): Promise<[ChildServer, ChildServer]> {
  schema = await freshSchema();
  cluster = await startCluster(2, {
    databaseUrl: schema.url,
    redisUrl: redis!.url,
    env: { REDIS_BREAKER_COOLDOWN_MS: '500' },
  });
  return cluster.instances as [ChildServer, ChildServer];
}

/** A subscriber of `leaderboard.live` on `instance`, once it has its first snapshot. */
async function subscribe(instance: ChildServer): Promise<RawSubscriber> {
  const s = await RawSubscriber.open(instance.url);
  subscribers.push(s);
  await s.until((x) => x.snapshots.length === 1, 10_000);
  return s;
}

/** Updates and reads on both instances; every update must be acknowledged. */
async function serve(instances: ChildServer[], tag: string, acknowledged: string[]): Promise<void> {
  await Promise.all(
    instances.map(async (instance, i) => {
      const action = `${tag}-${i}`;
      expect(await post(instance, `user-${i}`, action, acknowledged.length + 1)).toBe(200);
      acknowledged.push(action);
      expect((await fetch(`${instance.url}/leaderboard`)).status).toBe(200);
    }),
  );
}

/** No instance ended, and every acknowledged update is in the ledger. */
async function expectNothingLost(instances: ChildServer[], acknowledged: string[]): Promise<void> {
  expect(instances.map((i) => i.endedOnItsOwn())).toEqual(instances.map(() => undefined));
  const stored = new Set(
    (await cluster!.query<{ action_id: string }>('select action_id from score_ledger')).map(
      (r) => r.action_id,
    ),
  );
  expect(acknowledged.filter((action) => !stored.has(action))).toEqual([]);
}

/** A write on `from` reaches an idle `to` with no help from Redis (its poll of the change feed). */
async function crossesWithoutRedis(from: ChildServer, atTo: RawSubscriber, acknowledged: string[]) {
  expect(await post(from, 'idle-check', 'idle-check', 999_999)).toBe(200);
  acknowledged.push('idle-check');
  await atTo.until((s) => s.latest!.entries[0]?.user_id === 'idle-check', 15_000);
}

/**
 * Serves on both instances until both breakers are open: a Redis that hangs is noticed only
 * by the commands that wait for it.
 */
async function serveUntilBothOpen(a: ChildServer, b: ChildServer, acknowledged: string[], tag: string) {
  let round = 0;
  await eventually(
    async () => {
      await serve([a, b], `${tag}-${round++}`, acknowledged);
      const up = await Promise.all([a, b].map((i) => metric(i, 'scoreboard_redis_up')));
      return up.every((value) => value === 0);
    },
    60_000,
    'both breakers open',
  );
}

/** While both breakers are open: both instances serve, an idle one follows the other, one trip each. */
async function servedWhileOpen(a: ChildServer, b: ChildServer, atB: RawSubscriber, acknowledged: string[]) {
  await untilRedis([a, b], 'degraded');
  await serve([a, b], 'open', acknowledged);
  await crossesWithoutRedis(a, atB, acknowledged);
  // Failed probes of a Redis that is still out are not new trips.
  const trips = await Promise.all([a, b].map((i) => metric(i, 'scoreboard_redis_breaker_trips_total')));
  expect(trips).toEqual([1, 1]);
}

/** Once Redis answers again: both instances say so, push crosses again, nothing was lost. */
async function recovered(a: ChildServer, b: ChildServer, acknowledged: string[]) {
  await untilRedis([a, b], 'up');
  await untilPushCrosses(a, b, acknowledged);
  await untilPushCrosses(b, a, acknowledged);
  await expectNothingLost([a, b], acknowledged);
}

describe('Redis faults in scale-out', () => {
  it('serves every request on both instances while Redis is stopped, says it is degraded, and shares again once it is back', async () => {
    redis = await SpareRedis.start();
    const [a, b] = await twoInstances();
    await untilRedis([a, b], 'up');
    const atB = await subscribe(b);
    const acknowledged: string[] = [];

    await redis.stop();
    await serve([a, b], 'stopped', acknowledged);
    await servedWhileOpen(a, b, atB, acknowledged);

    await redis.start();
    await recovered(a, b, acknowledged);
  }, 120_000);

  it('stops waiting for a hung Redis (SIGSTOP) after a few timeouts, and closes the breaker after SIGCONT', async () => {
    redis = await SpareRedis.start();
    const [a, b] = await twoInstances();
    await untilRedis([a, b], 'up');
    const atB = await subscribe(b);
    const acknowledged: string[] = [];

    redis.pause();
    // The connections stay open and nothing answers: only the commands' timeouts tell.
    await serveUntilBothOpen(a, b, acknowledged, 'hung');
    await servedWhileOpen(a, b, atB, acknowledged);

    redis.resume();
    await recovered(a, b, acknowledged);
  }, 120_000);

  it('says Redis is degraded when it is down at start, and shares once it comes up', async () => {
    redis = await SpareRedis.start();
    await redis.stop(); // a port nobody listens on, until the test starts Redis there
    const [a, b] = await twoInstances();
    const atB = await subscribe(b);
    const acknowledged: string[] = [];
    await servedWhileOpen(a, b, atB, acknowledged);

    await redis.start();
    // Their subscriptions to the bus, impossible at start, are made once Redis is there.
    await recovered(a, b, acknowledged);
  }, 120_000);

  it('starts while Redis hangs, opens the breaker under traffic, and closes it after SIGCONT', async () => {
    redis = await SpareRedis.start();
    redis.pause(); // it accepts connections and answers nothing
    const [a, b] = await twoInstances();
    const atB = await subscribe(b);
    const acknowledged: string[] = [];
    await serveUntilBothOpen(a, b, acknowledged, 'hung-at-start');
    await servedWhileOpen(a, b, atB, acknowledged);

    redis.resume();
    await recovered(a, b, acknowledged);
  }, 120_000);
});
