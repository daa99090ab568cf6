import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';
import { board, post, startCluster, type Cluster } from './cluster.js';

let schema: TestSchema;
let cluster: Cluster;
const subscribers: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
});

async function twoInstances(env: Record<string, string> = {}) {
  schema = await freshSchema();
  cluster = await startCluster(2, { databaseUrl: schema.url, redisUrl: REDIS_URL, env });
  return cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
}

const subscribe = async (url: string, input: Record<string, unknown> = {}) => {
  const s = await RawSubscriber.open(url, input);
  subscribers.push(s);
  return s;
};

describe('several instances on PostgreSQL and Redis', () => {
  it("pushes a write on one instance to the other's subscribers, and both answer the same board", async () => {
    const [a, b] = await twoInstances();
    const atB = await subscribe(b.url);
    await atB.until((s) => s.snapshots.length === 1);
    expect(await post(a, 'alice', 'a1', 50)).toBe(200);
    await atB.until((s) => s.latest!.entries.length === 1);
    expect(atB.latest!.entries).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]);
    expect(await post(b, 'bob', 'b1', 70)).toBe(200);
    expect(await post(a, 'carol', 'c1', 60)).toBe(200);
    await atB.until((s) => s.latest!.entries.length === 3);
    const expected = [
      { rank: 1, user_id: 'bob', score: 70 },
      { rank: 2, user_id: 'carol', score: 60 },
      { rank: 3, user_id: 'alice', score: 50 },
    ];
    expect(atB.latest!.entries).toEqual(expected);
    expect(await board(a)).toEqual(expected);
    expect(await board(b)).toEqual(expected);
  });

  it('lets a client resume on another instance without ever going back to an older board', async () => {
    const [a, b] = await twoInstances();
    expect(await post(a, 'alice', 'a1', 10)).toBe(200);
    const first = await subscribe(a.url);
    await first.until((s) => s.latest?.entries.length === 1);
    const lastEventId = first.eventIds.at(-1)!;
    const resumed = await subscribe(b.url, { lastEventId });
    expect(await post(b, 'bob', 'b1', 20)).toBe(200);
    await resumed.until((s) => s.snapshots.length >= 1);
    const seen = Number(lastEventId.split(':')[1]);
    expect(resumed.snapshots.every((s) => s.version > seen)).toBe(true);
    expect(resumed.latest!.entries.map((e) => e.user_id)).toEqual(['bob', 'alice']);
    // The epoch is the database's, the same on every instance.
    expect(resumed.eventIds[0]!.split(':')[0]).toBe(lastEventId.split(':')[0]);
  });

  it('shares the per-user budget and the failed-authentication budget across instances', async () => {
    const [a, b] = await twoInstances({
      RATE_LIMIT_USER_PER_MIN: '2',
      RATE_LIMIT_AUTH_FAILURES_PER_MIN: '2',
    });
    expect(await post(a, 'alice', 'a1', 1, tokenFor('alice'))).toBe(200);
    expect(await post(b, 'alice', 'a2', 2, tokenFor('alice'))).toBe(200);
    expect(await post(a, 'alice', 'a3', 3, tokenFor('alice'))).toBe(429);
    expect(await post(b, 'alice', 'a4', 4, tokenFor('alice'))).toBe(429);
    expect(await post(a, 'x', 'x1', 1, 'bad.token.one')).toBe(401);
    expect(await post(b, 'x', 'x2', 1, 'bad.token.two')).toBe(401);
    expect(await post(a, 'x', 'x3', 1, 'bad.token.three')).toBe(429);
    expect(await post(b, 'x', 'x4', 1, 'bad.token.four')).toBe(429);
  });

  it('applies one action id once when it reaches two instances at the same time', async () => {
    const [a, b] = await twoInstances();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        Promise.all([post(a, 'dana', `same-${i}`, i + 1), post(b, 'dana', `same-${i}`, i + 1)]),
      ),
    );
    expect(results.flat().every((status) => status === 200)).toBe(true); // one applied, one replayed
    const rows = await cluster.query<{ n: number }>(
      "select count(*)::int as n from score_ledger where user_id = 'dana'",
    );
    expect(rows).toEqual([{ n: 30 }]);
  });
});
