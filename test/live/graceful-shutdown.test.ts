import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers, startChildServer } from '../helpers/child-server.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { serviceToken } from '../helpers/tokens.js';

const SUCCESS = '{"status":"success","message":"Score updated successfully"}';

let dir: string;
afterEach(async () => {
  await killChildServers();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * An update whose headers the server has accepted (it answered `100 Continue`), with its body
 * still to come: an in-flight request, provably inside the server.
 */
async function inFlightUpdate(port: number, user: string, action: string, score: number) {
  const body = JSON.stringify({ user_id: user, action_id: action, new_score: score });
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk) => {
    answer += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  socket.write(
    `POST /update-score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${serviceToken()}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Expect: 100-continue\r\n\r\n`,
  );
  await until(() => answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
  return {
    /** Sends the body; resolves with the final response (status line and body). */
    async finish(): Promise<{ status: string; body: string }> {
      socket.end(body);
      await closed;
      const final = answer.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
      return { status: final.split('\r\n')[0]!, body: final.slice(final.indexOf('\r\n\r\n') + 4) };
    },
  };
}

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
