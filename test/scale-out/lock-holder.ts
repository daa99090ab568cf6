import pg from 'pg';
import type { ChildServer } from '../helpers/child-server.js';
import { tokenFor } from '../helpers/tokens.js';
import { eventually, type Cluster } from './cluster.js';

/** A session of the test's own holding a user's write lock (the advisory key every writer takes). */
export interface LockHolder {
  /** The PostgreSQL backend that waits for the lock, once one does. */
  waiter(cluster: Pick<Cluster, 'query'>): Promise<number>;
  release(): Promise<void>;
}

/** Takes `user`'s write lock from a new session on `url` (a restart may end the session). */
export async function holdWriteLock(url: string, user: string): Promise<LockHolder> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // the session may be ended under it, which is the point
  await client.connect();
  await client.query('SELECT pg_advisory_lock(hashtextextended($1, 7340771))', [user]);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    async waiter(cluster) {
      let waiting: number | undefined;
      await eventually(
        async () => {
          const rows = await cluster.query<{ pid: number }>(
            'SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
            [pid],
          );
          waiting = rows[0]?.pid;
          return waiting !== undefined;
        },
        10_000,
        `a backend waiting for ${user}'s lock`,
      );
      return waiting!;
    },
    async release() {
      await client.end().catch(() => {});
    },
  };
}

/** Calls `admin.eraseUser` over tRPC's HTTP; resolves with the status and the JSON body. */
export async function eraseUser(instance: ChildServer, user: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${instance.url}/trpc/admin.eraseUser`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ user_id: user }),
  });
  return { status: res.status, body: await res.json() };
}
