import { createTRPCClient, httpLink } from '@trpc/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { killChildServers, type ChildServer } from '../helpers/child-server.js';
import { FrameSocket } from '../helpers/frames.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';
import { eventually, startCluster, type Cluster } from './cluster.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let folder: string | undefined;
const sockets: FrameSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
  if (folder) rmSync(folder, { recursive: true, force: true });
  [schema, cluster, folder] = [undefined, undefined, undefined];
});

const S1 = Date.parse('2026-01-01T00:00:00Z');

async function twoInstances(): Promise<[ChildServer, ChildServer]> {
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-admin-instances-'));
  const file = join(folder, 'boards.json');
  writeFileSync(
    file,
    JSON.stringify({
      boards: [{ id: 'ranked', windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }] }],
    }),
  );
  schema = await freshSchema();
  cluster = await startCluster(2, {
    databaseUrl: schema.url,
    redisUrl: REDIS_URL,
    env: { BOARDS_FILE: file },
  });
  return cluster.instances as [ChildServer, ChildServer];
}

const admin = (instance: ChildServer) =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${instance.url}/trpc`,
        headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
      }),
    ],
  }).admin;

async function submit(instance: ChildServer, user: string, action: string, score: number): Promise<number> {
  const res = await fetch(`${instance.url}/boards/ranked/scores`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serviceToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: user, action_id: action, new_score: score }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** What an instance answers for a window of `ranked`: its key and entries as `user:score`. */
async function read(instance: ChildServer, query = ''): Promise<string> {
  const res = await fetch(`${instance.url}/boards/ranked/leaderboard${query}`);
  const body = (await res.json()) as {
    window: { key: string };
    entries: Array<{ user_id: string; score: number }>;
  };
  return `${body.window.key} ${body.entries.map((e) => `${e.user_id}:${e.score}`).join(',')}`;
}

describe('admin changes to a board, across instances', () => {
  it('starts a season, removes a user and sets a score on one instance; the other follows each', async () => {
    const [a, b] = await twoInstances();
    expect(await submit(a, 'alice', 'a1', 100)).toBe(200);
    expect(await submit(a, 'bob', 'b1', 50)).toBe(200);
    await eventually(async () => (await read(b)) === 'all alice:100,bob:50', 10_000, 'B sees both users');

    await admin(a).startSeason.mutate({ board: 'ranked' });
    // B may not have heard of the start yet: its write still counts in season 2.
    expect(await submit(b, 'carol', 'c1', 30)).toBe(200);
    expect(
      await cluster!.query("SELECT window_key FROM board_scores WHERE user_id = 'carol' ORDER BY window_key"),
    ).toEqual([{ window_key: 'all' }, { window_key: 'season:2' }]);
    for (const instance of [a, b]) {
      await eventually(async () => (await read(instance, '?window=season')) === 'season:2 carol:30');
      expect(await read(instance, '?window=season&at=previous')).toBe('season:1 alice:100,bob:50');
    }

    await admin(a).removeUser.mutate({ board: 'ranked', user_id: 'alice', reason: 'cheating' });
    await eventually(async () => (await read(b)) === 'all bob:50,carol:30', 10_000, 'B drops the user');

    await admin(b).setScore.mutate({ board: 'ranked', user_id: 'bob', score: 10, reason: 'refund' });
    await eventually(async () => (await read(a)) === 'all carol:30,bob:10', 10_000, 'A sees the score set');
    // Bob has no score in season 2: he stays out of it.
    expect(await read(a, '?window=season')).toBe('season:2 carol:30');
    for (const instance of [a, b]) expect(instance.endedOnItsOwn()).toBeUndefined();
  });

  it("a subscriber on one instance hears another's update and its new season, live and watched", async () => {
    const [a, b] = await twoInstances();
    expect(await submit(a, 'alice', 'a1', 100)).toBe(200);
    const socket = await FrameSocket.open(b.url);
    sockets.push(socket);
    socket.send({
      id: 1,
      method: 'subscription',
      params: { path: 'leaderboard.live', input: { board: 'ranked', window: 'season' } },
    });
    socket.send({
      id: 2,
      method: 'subscription',
      params: { path: 'leaderboard.watchUser', input: { user_id: 'bob', board: 'ranked', window: 'season' } },
    });
    const live = () =>
      socket
        .of(1)
        .filter((f) => f.result?.type === 'data')
        .map(
          (f) =>
            `${f.result.data.data.window.key} ${f.result.data.data.entries.map((e: any) => `${e.user_id}:${e.score}`).join(',')}`,
        );
    const watched = () =>
      socket
        .of(2)
        .filter((f) => f.result?.type === 'data')
        .map((f) => `${f.result.data.score}/${f.result.data.rank}`);
    await socket.until(() => live().at(-1) === 'season:1 alice:100', "B's first snapshot");

    expect(await submit(a, 'bob', 'b1', 50)).toBe(200);
    await socket.until(() => live().at(-1) === 'season:1 alice:100,bob:50', "A's update, on B");
    await socket.until(() => watched().at(-1) === '50/2', "bob's place, on B");

    await admin(a).startSeason.mutate({ board: 'ranked' });
    await socket.until(() => live().at(-1) === 'season:2 ', "A's new season, on B");
    await socket.until(() => watched().at(-1) === 'null/null', 'bob without a score in season 2, on B');
    expect(await submit(a, 'bob', 'b2', 70)).toBe(200);
    await socket.until(() => live().at(-1) === 'season:2 bob:20', "the new season's first score, on B");
    await socket.until(() => watched().at(-1) === '20/1', "bob's place in season 2, on B");
    // Never the older window after the newer one.
    const seen = live();
    expect(seen.findLastIndex((e) => e.startsWith('season:1'))).toBeLessThan(
      seen.findIndex((e) => e.startsWith('season:2')),
    );
    for (const instance of [a, b]) expect(instance.endedOnItsOwn()).toBeUndefined();
  });
});
