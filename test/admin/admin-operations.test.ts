import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

let server: TestServer;
const subscribers: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await server?.close();
});

const clientAs = (token: string) =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
const admin = () => clientAs(tokenFor('ops', { roles: ['admin'] }));
const post = (user: string, action: string, score: number, token = tokenFor(user)) =>
  server.post(
    '/update-score',
    { user_id: user, action_id: action, new_score: score },
    { authorization: `Bearer ${token}` },
  );

describe('admin.eraseUser', () => {
  it("erases a user's data on request and takes them off the live board", async () => {
    server = await startTestServer({ FLAG_THRESHOLD: '1' });
    await post('alice', 'a1', 100);
    await post('alice', 'a2', 5000); // 422: a security event about alice (one row, count 2)
    await post('alice', 'a3', 6000); // and a flag
    await post('bob', 'b1', 50);
    const live = await RawSubscriber.open(server.url);
    subscribers.push(live);
    await live.until((s) => s.snapshots.length === 1);
    expect(live.latest!.entries.map((e) => e.user_id)).toEqual(['alice', 'bob']);

    const erasure = await admin().admin.eraseUser.mutate({ user_id: 'alice' });
    expect(erasure).toEqual({
      score: 100,
      ledger_rows: 1,
      security_events_deleted: 1,
      flags_deleted: 1,
      pseudonym: expect.stringMatching(/^erased:/),
    });
    await live.until((s) => s.latest!.entries.length === 1);
    expect(live.latest!.entries).toEqual([{ rank: 1, user_id: 'bob', score: 50 }]);
    expect(await (await fetch(`${server.url}/leaderboard`)).json()).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [{ rank: 1, user_id: 'bob', score: 50 }],
      next_cursor: null,
    });
    expect((await fetch(`${server.url}/leaderboard/users/alice`)).status).toBe(404);
    expect(
      server.query(
        "select count(*) as n from score_ledger where user_id = 'alice' or subject = 'alice' or ip is not null and user_id like 'erased:%'",
      ),
    ).toEqual([{ n: 0 }]);
    expect(server.query('select user_id from scores')).toEqual([{ user_id: 'bob' }]);
    expect(
      server.query("select count(*) as n from security_events where user_id = 'alice' or subject = 'alice'"),
    ).toEqual([{ n: 0 }]);
    expect(server.query('select count(*) as n from flagged_users')).toEqual([{ n: 0 }]);
  });

  it('refuses a token without role admin, and erases nothing', async () => {
    server = await startTestServer();
    await post('alice', 'a1', 100);
    const error = await clientAs(tokenFor('alice'))
      .admin.eraseUser.mutate({ user_id: 'alice' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data?.code).toBe('FORBIDDEN');
    expect(server.query('select user_id, score from scores')).toEqual([{ user_id: 'alice', score: 100 }]);
  });
});

describe('admin.flaggedUsers and admin.clearFlag', () => {
  it('pages with an opaque cursor and refuses one it did not give out', async () => {
    server = await startTestServer({ FLAG_THRESHOLD: '1' });
    for (const user of ['u1', 'u2', 'u3']) {
      await post(user, `${user}-a`, 5000);
      await post(user, `${user}-b`, 5000);
    }
    const first = await admin().admin.flaggedUsers.query({ limit: 2 });
    expect(first.users).toHaveLength(2);
    const second = await admin().admin.flaggedUsers.query({ limit: 2, cursor: first.nextCursor! });
    expect([...first.users, ...second.users].map((u) => u.user_id).sort()).toEqual(['u1', 'u2', 'u3']);
    expect(second.nextCursor).toBeNull();
    const error = await admin()
      .admin.flaggedUsers.query({ cursor: 'not-a-cursor' })
      .catch((e) => e);
    expect([error.data?.code, error.message]).toEqual([
      'BAD_REQUEST',
      'cursor: is not one this server gave out',
    ]);
  });

  it('flags a subject again when its refusals go on after an admin cleared the flag', async () => {
    server = await startTestServer({ FLAG_THRESHOLD: '2', FLAG_WINDOW_SECONDS: '600' });
    for (let i = 0; i < 3; i++) await post('mallory', `m${i}`, 5000);
    expect((await admin().admin.flaggedUsers.query({})).users.map((u) => u.flag_count)).toEqual([1]);
    await admin().admin.clearFlag.mutate({ user_id: 'mallory' });
    expect((await admin().admin.flaggedUsers.query({})).users).toEqual([]);
    await post('mallory', 'm3', 5000);
    const again = await admin().admin.flaggedUsers.query({});
    expect(again.users.map((u) => [u.user_id, u.flag_count, u.cleared_at])).toEqual([['mallory', 2, null]]);
  });
});
