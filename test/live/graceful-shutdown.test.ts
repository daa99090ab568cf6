import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers, startChildServer } from '../helpers/child-server.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { serviceToken } from '../helpers/tokens.js';

let dir: string;
afterEach(async () => {
  await killChildServers();
  rmSync(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('on SIGTERM finishes in-flight updates, tells subscribers to reconnect, closes sockets and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-shutdown-'));
    const server = await startChildServer(dir, { SHUTDOWN_GRACE_MS: '500' });
    const subscriber = await RawSubscriber.open(server.url);
    await subscriber.until((s) => s.snapshots.length === 1);
    const closed = new Promise<number>((resolve) => subscriber.ws.once('close', (code) => resolve(code)));

    const token = serviceToken();
    const inflight = Array.from({ length: 100 }, (_, i) =>
      fetch(`${server.url}/update-score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ user_id: `u${i}`, action_id: `a${i}`, new_score: i }),
        // undici can leave a request whose connection died mid-flight pending forever.
        signal: AbortSignal.timeout(3000),
      }).then(
        (res) => ({ i, status: res.status }),
        () => ({ i, status: 0 }),
      ),
    );
    // Let the requests reach the server, then ask it to stop while they are being served.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exitCode = server.stop('SIGTERM');

    await subscriber.until((s) => s.messages.some((m) => m.method === 'reconnect'), 5000);
    expect(await closed).toBe(1012);
    expect(await exitCode).toBe(0);

    const answered = await Promise.all(inflight);
    const acknowledged = answered.filter((a) => a.status === 200).map((a) => `a${a.i}`);
    expect(answered.every((a) => a.status === 200 || a.status === 0)).toBe(true);
    const db = new BetterSqlite3(join(dir, 'scoreboard.db'), { readonly: true });
    const stored = (
      db.prepare('select action_id from score_ledger').all() as Array<{ action_id: string }>
    ).map((r) => r.action_id);
    db.close();
    expect(stored.sort()).toEqual(expect.arrayContaining(acknowledged.sort()));
    expect(acknowledged.length).toBeGreaterThan(0);
  });

  it('answers and commits an update whose body is still arriving when SIGTERM comes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-shutdown-'));
    const server = await startChildServer(dir, { SHUTDOWN_GRACE_MS: '200' });
    const body = JSON.stringify({ user_id: 'late', action_id: 'in-flight', new_score: 7 });
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `POST /update-score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${serviceToken()}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exitCode = server.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(body.slice(10));
    await ended;
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer.endsWith('{"status":"success","message":"Score updated successfully"}')).toBe(true);
    expect(await exitCode).toBe(0);
    const db = new BetterSqlite3(join(dir, 'scoreboard.db'), { readonly: true });
    expect(db.prepare('select user_id, score from scores').all()).toEqual([{ user_id: 'late', score: 7 }]);
    db.close();
  });
});
