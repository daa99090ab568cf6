import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { clientIpResolver } from '../../server/transport/client-ip.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

const request = (peer: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  }) as unknown as IncomingMessage;

describe('client addresses (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    const ip = clientIpResolver([]);
    expect(ip(request('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
    expect(ip(request('::ffff:203.0.113.9'))).toBe('203.0.113.9');
  });

  it('takes the right-most address that is not a trusted proxy', () => {
    const ip = clientIpResolver(['10.0.0.0/8', '127.0.0.1']);
    expect(ip(request('127.0.0.1', '198.51.100.7'))).toBe('198.51.100.7');
    // The client wrote a fake left-most entry; the trusted proxies appended the real one.
    expect(ip(request('127.0.0.1', '1.2.3.4, 198.51.100.7, 10.1.2.3'))).toBe('198.51.100.7');
    expect(ip(request('::ffff:10.0.0.5', '198.51.100.7'))).toBe('198.51.100.7');
    // Everyone in the chain trusted: the left-most one.
    expect(ip(request('127.0.0.1', '10.0.0.1'))).toBe('10.0.0.1');
    // A peer that is not a trusted proxy is the client, whatever it forwards.
    expect(ip(request('203.0.113.9', '198.51.100.7'))).toBe('203.0.113.9');
    // A hop that is not an address stops at the proxy that reported it.
    expect(ip(request('127.0.0.1', 'garbage'))).toBe('127.0.0.1');
    expect(ip(request('127.0.0.1'))).toBe('127.0.0.1');
  });

  it('walks only the last 32 hops of a long header, from the right', () => {
    const ip = clientIpResolver(['10.0.0.0/8', '127.0.0.1']);
    const forged = Array.from({ length: 40 }, (_, i) => `203.0.113.${i + 1}`);
    // 40 forged hops the client wrote, then the client as its proxy saw it, then that proxy.
    const header = [...forged, '198.51.100.7', '10.1.2.3'].join(', ');
    expect(ip(request('127.0.0.1', header))).toBe('198.51.100.7');
    // 32 trusted hops at the right end: the walk ends at the left-most of them.
    const trustedChain = Array.from({ length: 32 }, (_, i) => `10.0.0.${i + 1}`);
    expect(ip(request('127.0.0.1', [...forged, ...trustedChain].join(', ')))).toBe('10.0.0.1');
  });

  it('stops at the trusted proxy that reported a hop that is not an address, wherever it is', () => {
    const ip = clientIpResolver(['10.0.0.0/8', '127.0.0.1']);
    // The peer reported garbage: the peer is the client, not whatever stands left of it.
    expect(ip(request('127.0.0.1', '198.51.100.7, garbage'))).toBe('127.0.0.1');
    // 10.1.2.3 reported garbage: it is the client.
    expect(ip(request('127.0.0.1', '198.51.100.7, not-an-ip, 10.1.2.3'))).toBe('10.1.2.3');
    expect(ip(request('127.0.0.1', '198.51.100.7, , 10.1.2.3'))).toBe('10.1.2.3');
  });

  it('handles IPv6 proxies and clients', () => {
    const ip = clientIpResolver(['fd00::/8', '::1']);
    expect(ip(request('::1', '2001:db8::5, fd00::2'))).toBe('2001:db8::5');
  });
});

describe('behind a reverse proxy', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  const post = (forwarded: string, token: string, action: string) =>
    server.post(
      '/update-score',
      { user_id: 'alice', action_id: action, new_score: 1 },
      { authorization: `Bearer ${token}`, 'x-forwarded-for': forwarded },
    );

  it('budgets each client behind a trusted proxy on its own address', async () => {
    server = await startTestServer({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_AUTH_FAILURES_PER_MIN: '2' });
    for (let i = 0; i < 2; i++) expect((await post('198.51.100.1', 'bad.token.x', `b${i}`)).status).toBe(401);
    expect((await post('198.51.100.1', 'bad.token.x', 'b2')).status).toBe(429);
    // Another player behind the same proxy still has their whole budget.
    expect((await post('198.51.100.2', 'bad.token.x', 'c0')).status).toBe(401);
    await server.flushAudit();
    expect(server.query('select kind, ip, count from security_events order by id')).toEqual([
      { kind: 'unauthorized', ip: '198.51.100.1', count: 2 },
      { kind: 'rate_limited', ip: '198.51.100.1', count: 1 },
      { kind: 'unauthorized', ip: '198.51.100.2', count: 1 },
    ]);
  });

  it('ignores a spoofed X-Forwarded-For when the proxy is not trusted', async () => {
    server = await startTestServer({ RATE_LIMIT_AUTH_FAILURES_PER_MIN: '2' });
    expect((await post('198.51.100.1', 'bad.token.x', 'b0')).status).toBe(401);
    expect((await post('198.51.100.2', 'bad.token.x', 'b1')).status).toBe(401);
    expect((await post('198.51.100.3', 'bad.token.x', 'b2')).status).toBe(429);
    expect((await post('198.51.100.3', tokenFor('alice'), 'ok')).status).toBe(200);
    expect(server.query('select distinct ip from security_events')).toEqual([{ ip: '127.0.0.1' }]);
  });
});
