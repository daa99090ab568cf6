import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers, type ChildServer } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { SparePostgres } from '../../scripts/local/spare-postgres.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { eventually, post, startCluster, type Cluster } from './cluster.js';
import { eraseUser, holdWriteLock, type LockHolder } from './lock-holder.js';
import { UpdateLoad } from './update-load.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let load: UpdateLoad | undefined;
let postgres: SparePostgres | undefined;
const holders: LockHolder[] = [];
afterEach(async () => {
  await load?.stop();
  for (const holder of holders.splice(0)) await holder.release();
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
  await postgres?.destroy();
  [schema, cluster, load, postgres] = [undefined, undefined, undefined, undefined];
});

/**
 * Instances on a fresh schema whose connections carry an application name of their own, so
 * that the test terminates their backends and nobody else's on the shared PostgreSQL.
 */
async function instancesOnPostgres(
  count: number,
): Promise<{ instances: ChildServer[]; application: string }> {
  schema = await freshSchema();
  const application = `sbfault_${randomBytes(4).toString('hex')}`;
  cluster = await startCluster(count, {
    databaseUrl: schema.url,
    redisUrl: REDIS_URL,
    env: { DATABASE_URL: `${schema.url}&application_name=${application}` },
  });
  return { instances: cluster.instances, application };
}

/** Terminates every backend of the instances (57P01); resolves with how many. */
async function terminateBackends(application: string): Promise<number> {
  const [{ n }] = (await cluster!.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [application],
  )) as [{ n: number }];
  return n;
}

describe('PostgreSQL connections lost under an instance', () => {
  it("answers 503 to an erasure whose connection is terminated while it waits for the user's lock, and goes on", async () => {
    const {
      instances: [a],
    } = await instancesOnPostgres(1);
    expect(await post(a!, 'alice', 'a1', 10)).toBe(200);
    // Hold alice's write lock (the key every writer takes for her) from a session of our own.
    const holder = await holdWriteLock(schema!.url, 'alice');
    holders.push(holder);
    const erasure = eraseUser(a!, 'alice');
    await cluster!.query('SELECT pg_terminate_backend($1)', [await holder.waiter(cluster!)]);

    expect(await erasure).toMatchObject({
      status: 503,
      body: {
        error: {
          message: 'Storage is unavailable; nothing was erased',
          data: { code: 'SERVICE_UNAVAILABLE' },
        },
      },
    });
    expect(a!.endedOnItsOwn()).toBeUndefined();
    await holder.release();
    // The pool has recovered: the same instance erases, and writes.
    expect(await eraseUser(a!, 'alice')).toMatchObject({ status: 200 });
    expect(await cluster!.query('SELECT user_id FROM board_scores')).toEqual([]);
    expect(await post(a!, 'bob', 'b1', 5)).toBe(200);
  });

  it('keeps serving and loses no acknowledged update while its backends are terminated every second', async () => {
    const { instances, application } = await instancesOnPostgres(2);
    load = new UpdateLoad(instances, { workers: 12, users: 2, prefix: 'loss' });
    await load.acknowledge(20);
    let terminated = 0;
    for (let round = 0; round < 6; round++) {
      terminated += await terminateBackends(application);
      // About a second of load between two rounds (and a good many updates acknowledged).
      await Promise.all([load.acknowledge(5), new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
    await load.stop();
    console.log('STATUSES', [...load.statuses]);
    for (const instance of instances) expect(instance.endedOnItsOwn()).toBeUndefined();
    expect(terminated).toBeGreaterThan(0);
    expect(await load.missingFrom(cluster!)).toEqual([]);
    expect([...load.statuses.keys()].filter((status) => ![200, 422, 503].includes(status))).toEqual([]);
    // Both go on serving on fresh connections.
    for (const [i, instance] of instances.entries()) {
      await eventually(
        async () => (await post(instance, `after-${i}`, 'after', 1)) === 200,
        10_000,
        'a write',
      );
    }
  });
});

describe('PostgreSQL restarted under load', () => {
  it('keeps the instances up, answers 503 while it is down, recovers without a restart and loses no acknowledged update', async () => {
    // A PostgreSQL of the test's own: the shared one is never stopped.
    postgres = await SparePostgres.start();
    cluster = await startCluster(2, { databaseUrl: postgres.url, redisUrl: REDIS_URL });
    const [a, b] = cluster.instances as [ChildServer, ChildServer];
    expect(await post(a, 'zoe', 'z1', 5)).toBe(200);
    load = new UpdateLoad([a, b], { workers: 6, users: 4, prefix: 'restart' });
    await load.acknowledge(20);

    // An erasure holding a connection of its own (waiting for zoe's lock) when the sessions end.
    const holder = await holdWriteLock(postgres.url, 'zoe');
    holders.push(holder);
    const erasure = eraseUser(a, 'zoe');
    await holder.waiter(cluster);

    await postgres.stop('fast');
    expect(await erasure).toMatchObject({ status: 503 });
    for (const instance of [a, b]) {
      expect(await post(instance, 'down', `down-${instance.port}`, 1)).toBe(503);
      expect((await fetch(`${instance.url}/readyz`)).status).toBe(503);
    }

    await postgres.start();
    for (const instance of [a, b]) {
      await eventually(
        async () => (await fetch(`${instance.url}/readyz`)).status === 200,
        15_000,
        '/readyz 200',
      );
    }
    await load.acknowledge(20);
    await load.stop();
    for (const instance of [a, b]) expect(instance.endedOnItsOwn()).toBeUndefined();
    expect(load.statuses.get(503)).toBeGreaterThan(0);
    expect([...load.statuses.keys()].filter((status) => ![200, 422, 503].includes(status))).toEqual([]);
    expect(await load.missingFrom(cluster)).toEqual([]);
    expect(
      await cluster.query(
        "SELECT user_id FROM board_scores WHERE board_id = 'global' AND window_key = 'all' AND user_id = $1",
        ['zoe'],
      ),
    ).toEqual([{ user_id: 'zoe' }]);
  });
});
