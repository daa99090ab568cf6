import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers, type ChildServer } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { startCluster, type Cluster } from './cluster.js';
import { UpdateLoad } from './update-load.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let load: UpdateLoad | undefined;
afterEach(async () => {
  await load?.stop();
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
  [schema, cluster, load] = [undefined, undefined, undefined];
});

// The PostgreSQL variant of test/live/graceful-shutdown.test.ts (which reads a SQLite file).
describe('graceful stop of an instance on PostgreSQL', () => {
  it('on SIGTERM answers and commits every update in flight, and exits 0', async () => {
    schema = await freshSchema();
    cluster = await startCluster(1, { databaseUrl: schema.url, redisUrl: REDIS_URL });
    const [a] = cluster.instances as [ChildServer];
    load = new UpdateLoad([a], { workers: 8, users: 5, prefix: 'stop' });
    await load.acknowledge(30);
    const atSignal = load.acknowledged.length;
    const exitCode = await a.stop('SIGTERM');
    await load.stop();

    expect(exitCode).toBe(0);
    expect(a.endedOnItsOwn()).toBeUndefined();
    // Updates in flight at the signal were answered with their outcome (200, or 422 for one
    // that overtook a higher score of its user), none 503: the storage closed last. Later ones
    // found the port closed (0).
    expect(load.acknowledged.length).toBeGreaterThan(atSignal);
    expect([...load.statuses.keys()].filter((status) => ![200, 422, 0].includes(status))).toEqual([]);
    expect(await load.missingFrom(cluster)).toEqual([]);
  });
});
