import jwt from 'jsonwebtoken';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { TEST_SECRET, tokenFor } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

let server: TestServer;
const open: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await server?.close();
});

/**
 * Sends raw bytes and returns the whole answer once the server has closed the connection
 * (both requests here ask it to); a server that keeps it open fails the test with what it sent.
 */
function rawRequest(port: number, text: string, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open ${ms} ms; it sent: ${JSON.stringify(answer)}`));
    }, ms);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const mutation = (id: number, input: object) =>
  JSON.stringify({ id, method: 'mutation', params: { path: 'scores.update', input } });

describe('transport edge cases', () => {
  it('answers a request target the URL parser rejects with 400 and stays up', async () => {
    server = await startTestServer();
    const port = Number(new URL(server.url).port);
    const plain = await rawRequest(port, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(plain.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(plain).toContain('{"status":"error","message":"Malformed request target"}');
    const upgrade = await rawRequest(
      port,
      'GET //[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(upgrade.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('audits a bad WebSocket token and refuses the calls it would authenticate', async () => {
    server = await startTestServer();
    const sub = await RawSubscriber.open(
      server.url,
      {},
      { connectionParams: { token: 'forged.token.value' } },
    );
    open.push(sub);
    await sub.until((s) => s.snapshots.length === 1); // the public board is not refused
    sub.ws.send(mutation(2, { user_id: 'alice', action_id: 'w1', new_score: 1 }));
    await sub.until((s) => s.messages.some((m) => m.id === 2));
    expect(sub.messages.find((m) => m.id === 2).error.data.code).toBe('UNAUTHORIZED');
    // The audit row and its count are stored after the answer: wait for both.
    const audited = () => server.query('select kind, ip, count from security_events');
    await until(
      async () => {
        await server.flushAudit();
        return audited().length === 1 && audited()[0]!.count === 2;
      },
      () => `the refusals audited once with count 2, not ${JSON.stringify(audited())}`,
    );
    expect(audited()).toEqual([{ kind: 'unauthorized', ip: '127.0.0.1', count: 2 }]);
    expect(server.query('select * from score_ledger')).toEqual([]);
  });

  it('stops accepting a WebSocket token once it expires', async () => {
    server = await startTestServer();
    // Valid while the socket opens and the first update is sent, however busy the machine.
    const exp = Math.floor(Date.now() / 1000) + 5;
    const token = jwt.sign({ sub: 'alice', exp }, TEST_SECRET, { algorithm: 'HS256' });
    const sub = await RawSubscriber.open(server.url, {}, { connectionParams: { token } });
    open.push(sub);
    sub.ws.send(mutation(2, { user_id: 'alice', action_id: 'w1', new_score: 1 }));
    await sub.until((s) => s.messages.some((m) => m.id === 2));
    expect(sub.messages.find((m) => m.id === 2).result.data).toMatchObject({ applied: true });
    await server.untilTokenExpired(token);
    sub.ws.send(mutation(3, { user_id: 'alice', action_id: 'w2', new_score: 2 }));
    await sub.until((s) => s.messages.some((m) => m.id === 3));
    expect(sub.messages.find((m) => m.id === 3).error.data.code).toBe('UNAUTHORIZED');
    expect(server.query('select action_id from score_ledger')).toEqual([{ action_id: 'w1' }]);
  });

  it('spends the IP budget for updates sent over a WebSocket too', async () => {
    server = await startTestServer({ RATE_LIMIT_IP_PER_MIN: '2' });
    const sub = await RawSubscriber.open(server.url, {}, { connectionParams: { token: tokenFor('alice') } });
    open.push(sub);
    for (let id = 2; id <= 4; id++)
      sub.ws.send(mutation(id, { user_id: 'alice', action_id: `i${id}`, new_score: id }));
    await sub.until((s) => [2, 3, 4].every((id) => s.messages.some((m) => m.id === id)));
    const codes = [2, 3, 4].map((id) => {
      const m = sub.messages.find((x) => x.id === id);
      return m.error ? m.error.data.code : 'ok';
    });
    expect(codes).toEqual(['ok', 'ok', 'TOO_MANY_REQUESTS']);
  });
});
