import { createTRPCClient, httpLink } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { killChildServers } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { freePort } from '../../scripts/local/ports.js';
import { tokenFor } from '../helpers/tokens.js';
import { board, eventually, post, startCluster, type Cluster } from './cluster.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
  [schema, cluster] = [undefined, undefined];
});

describe('erasure on an instance that follows the change feed', () => {
  it('takes the erased user off the board of an instance that hears of it only through the feed', async () => {
    schema = await freshSchema();
    // No Redis listens here: the instances follow each other through board_changes alone.
    const noRedis = `redis://127.0.0.1:${await freePort()}`;
    cluster = await startCluster(2, { databaseUrl: schema.url, redisUrl: noRedis });
    const [a, b] = cluster.instances as [
      NonNullable<Cluster['instances'][0]>,
      NonNullable<Cluster['instances'][0]>,
    ];
    expect(await post(a, 'ursula-erased', 'u1', 90)).toBe(200);
    expect(await post(a, 'bob', 'b1', 50)).toBe(200);
    const atB = () => board(b).then((entries) => entries.map((e) => e.user_id).join(','));
    await eventually(async () => (await atB()) === 'ursula-erased,bob', 10_000, 'B sees both users');

    const admin = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${a.url}/trpc`,
          headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
        }),
      ],
    });
    await admin.admin.eraseUser.mutate({ user_id: 'ursula-erased' });
    expect(
      await cluster.query("SELECT count(*)::int AS n FROM board_changes WHERE changes::text LIKE '%ursula%'"),
    ).toEqual([{ n: 0 }]);
    await eventually(async () => (await atB()) === 'bob', 10_000, 'B takes the erased user off its board');
    // B goes on following A's writes after the erasure.
    expect(await post(a, 'carol', 'c1', 70)).toBe(200);
    await eventually(async () => (await atB()) === 'carol,bob', 10_000, 'B follows later writes');
    for (const instance of [a, b]) expect(instance.endedOnItsOwn()).toBeUndefined();
  });
});
