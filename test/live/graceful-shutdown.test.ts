import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers, startChildServer } from '../helpers/child-server.js';
import { inFlightUpdate } from '../helpers/in-flight-update.js';
import { RawSubscriber } from '../helpers/raw-ws.js';

const SUCCESS = '{"status":"success","message":"Score updated successfully"}';

let dir: string;
afterEach(async () => {
  await killChildServers();
  rmSync(dir, { recursive: true, force: true });
});

const storedActions = () => {
  const db = new BetterSqlite3(join(dir, 'scoreboard.db'), { readonly: true });
  const rows = db.prepare('select action_id from score_ledger order by action_id').all() as Array<{
    action_id: string;
  }>;
  db.close();
  return rows.map((r) => r.action_id);
};

describe('graceful shutdown', () => {
  it('on SIGTERM answers and commits every in-flight update, tells subscribers to reconnect, closes sockets and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-shutdown-'));
    const server = await startChildServer(dir, { SHUTDOWN_GRACE_MS: '300' });
    const subscriber = await RawSubscriber.open(server.url);
    await subscriber.until((s) => s.snapshots.length === 1);
    const closed = new Promise<number>((resolve) => subscriber.ws.once('close', (code) => resolve(code)));

    const inflight = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        inFlightUpdate(server.port, `u${i}`, `a${String(i).padStart(2, '0')}`, i),
      ),
    );
    const exitCode = server.stop('SIGTERM');
    await subscriber.until((s) => s.messages.some((m) => m.method === 'reconnect'), 5000);
    const answers = await Promise.all(inflight.map((request) => request.finish()));

    expect(answers).toEqual(Array.from({ length: 20 }, () => ({ status: 'HTTP/1.1 200 OK', body: SUCCESS })));
    expect(await closed).toBe(1012);
    expect(await exitCode).toBe(0);
    expect(storedActions()).toEqual(Array.from({ length: 20 }, (_, i) => `a${String(i).padStart(2, '0')}`));
  });

  it('refuses new connections once SIGTERM has come, while finishing the one in flight', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-shutdown-'));
    const server = await startChildServer(dir, { SHUTDOWN_GRACE_MS: '200' });
    const subscriber = await RawSubscriber.open(server.url);
    await subscriber.until((s) => s.snapshots.length === 1);
    const request = await inFlightUpdate(server.port, 'late', 'in-flight', 7);
    const exitCode = server.stop('SIGTERM');
    // The server stops listening before it tells subscribers to reconnect; after that, a new
    // connection is refused.
    await subscriber.until((s) => s.messages.some((m) => m.method === 'reconnect'), 5000);
    await expect(
      new Promise((resolve, reject) => {
        const probe = connect(server.port, '127.0.0.1');
        probe.once('connect', () => {
          probe.destroy();
          reject(new Error('connected after SIGTERM'));
        });
        probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      }),
    ).resolves.toBe('ECONNREFUSED');
    expect(await request.finish()).toEqual({ status: 'HTTP/1.1 200 OK', body: SUCCESS });
    expect(await exitCode).toBe(0);
    expect(storedActions()).toEqual(['in-flight']);
  });
});
