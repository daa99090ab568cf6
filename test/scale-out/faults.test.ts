import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { SparePostgres } from '../../scripts/local/spare-postgres.js';
import { SpareRedis } from '../../scripts/local/spare-redis.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { board, eventually, post, startCluster, type Cluster } from './cluster.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let redis: SpareRedis | undefined;
let postgres: SparePostgres | undefined;
const subscribers: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
  await redis?.stop();
  await postgres?.destroy();
  [schema, cluster, redis, postgres] = [undefined, undefined, undefined, undefined];
});

describe('faults in scale-out', () => {
  it('keeps answering 200 on every instance while Redis is down, and live changes still cross', async () => {
    redis = await SpareRedis.start();
    schema = await freshSchema();
    cluster = await startCluster(2, { databaseUrl: schema.url, redisUrl: redis.url });
    const [a, b] = cluster.instances as [
      NonNullable<Cluster['instances'][0]>,
      NonNullable<Cluster['instances'][0]>,
    ];
    const atB = await RawSubscriber.open(b.url);
    subscribers.push(atB);
    await atB.until((s) => s.snapshots.length === 1);

    await redis.stop();
    for (let i = 0; i < 5; i++) {
      expect(await post(a, `a${i}`, `down-a-${i}`, 10 + i)).toBe(200);
      expect(await post(b, `b${i}`, `down-b-${i}`, 20 + i)).toBe(200);
    }
    // No pub/sub: B follows A's writes from the database's change feed (polled every second).
    await atB.until((s) => s.latest!.entries.some((e) => e.user_id === 'a4'), 10_000);

    await redis.start();
    expect(await post(a, 'after', 'back-1', 99)).toBe(200);
    await atB.until((s) => s.latest!.entries[0]?.user_id === 'after', 10_000);
    expect(await board(a)).toEqual(await board(b));
  });

  it('answers 503 within seconds while PostgreSQL is down, /readyz 503, and recovers without a restart', async () => {
    postgres = await SparePostgres.start();
    cluster = await startCluster(1, { databaseUrl: postgres.url, redisUrl: REDIS_URL });
    const [a] = cluster.instances as [NonNullable<Cluster['instances'][0]>];
    expect(await post(a, 'alice', 'before', 1)).toBe(200);

    await postgres.stop();
    const started = Date.now();
    expect(await post(a, 'alice', 'during', 2)).toBe(503);
    expect(Date.now() - started).toBeLessThan(8000);
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(503);
    // The board is answered from memory meanwhile.
    expect(await board(a)).toEqual([{ rank: 1, user_id: 'alice', score: 1 }]);

    await postgres.start();
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status === 200, 15_000, '/readyz 200');
    expect(await post(a, 'alice', 'after', 3)).toBe(200);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const ledger = (await client.query('select action_id from score_ledger order by id')).rows.map(
      (r) => r.action_id,
    );
    await client.end();
    expect(ledger).toEqual(['before', 'after']);
  });

  it('loses no acknowledged update when one instance is killed (SIGKILL) mid-burst', async () => {
    schema = await freshSchema();
    cluster = await startCluster(2, { databaseUrl: schema.url, redisUrl: REDIS_URL });
    const [a, b] = cluster.instances as [
      NonNullable<Cluster['instances'][0]>,
      NonNullable<Cluster['instances'][0]>,
    ];
    let sent = 0;
    const acknowledged: string[] = [];
    const burst = Array.from({ length: 300 }, (_, i) => {
      const target = i % 2 === 0 ? a : b;
      const action = `burst-${i}`;
      return post(target, `p${i % 40}`, action, i + 1).then((status) => {
        sent += 1;
        if (status === 200) acknowledged.push(action);
        if (sent === 100) void a.kill9(); // a third of the way in
      });
    });
    await Promise.all(burst);
    const stored = new Set(
      (await cluster.query<{ action_id: string }>('select action_id from score_ledger')).map(
        (r) => r.action_id,
      ),
    );
    expect(acknowledged.length).toBeGreaterThan(150);
    expect(acknowledged.filter((action) => !stored.has(action))).toEqual([]);
    // The surviving instance's board matches the database.
    const top = await cluster.query<{ user_id: string; score: number }>(
      `select user_id, score from board_scores where board_id = 'global' and window_key = 'all'
       order by score desc, reached_seq, user_id limit 10`,
    );
    await eventually(
      async () =>
        JSON.stringify((await board(b)).map((e) => [e.user_id, e.score])) ===
        JSON.stringify(top.map((r) => [r.user_id, Number(r.score)])),
      10_000,
      'the board of the survivor equals the database',
    );
  });
});
