import { afterEach, describe, expect, it } from 'vitest';
import { FrameSocket } from '../helpers/frames.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

let server: TestServer | undefined;
const sockets: FrameSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.close();
  server = undefined;
});

async function open(connectionParams?: Record<string, unknown>): Promise<FrameSocket> {
  const socket = await FrameSocket.open(server!.url, connectionParams);
  sockets.push(socket);
  return socket;
}
const live = (id: unknown, input?: unknown, lastEventId?: string) => ({
  id,
  method: 'subscription',
  params: { path: 'leaderboard.live', input, ...(lastEventId === undefined ? {} : { lastEventId }) },
});
const watch = (id: unknown, user: string) => ({
  id,
  method: 'subscription',
  params: { path: 'leaderboard.watchUser', input: { user_id: user } },
});
const isData = (frame: any) => frame.result?.type === 'data';
const codeOf = (frame: any) => frame?.error?.data?.code;

describe('subscriptions over the WebSocket', () => {
  it('resumes from a lastEventId sent beside the input, as tRPC clients send it on reconnect', async () => {
    server = await startTestServer();
    await server.setScore('alice', 'a1', 10);
    const first = await open();
    first.send(live(1));
    await first.until((s) => s.of(1).some(isData), 'the first snapshot');
    const eventId: string = first.of(1).find(isData).result.id;

    // Resuming with the id it has: no snapshot again until the board changes, then the new one.
    const again = await open();
    again.send(live(1, {}, eventId));
    await again.until((s) => s.of(1).some((f) => f.result?.type === 'started'), 'started');
    await again.roundTrip('probe');
    await server.setScore('bob', 'b1', 20);
    await again.until((s) => s.of(1).some(isData), 'the snapshot after the change');
    const events = again.of(1).filter(isData);
    expect(events).toHaveLength(1);
    expect(events[0].result.data.data.entries.map((e: any) => e.user_id)).toEqual(['bob', 'alice']);
  });

  it('refuses an id that another subscription holds, whatever its procedure, and a stop ends only it', async () => {
    server = await startTestServer();
    const socket = await open();
    socket.send(live(7));
    await socket.until((s) => s.of(7).some(isData), 'the live snapshot');
    socket.send(watch(7, 'alice'));
    await socket.until((s) => s.of(7).some((f) => f.error), 'the duplicate refusal');
    expect(socket.of(7).find((f) => f.error).error).toEqual({
      message: 'Duplicate id 7',
      code: -32600,
      data: { code: 'BAD_REQUEST', httpStatus: 400, path: 'leaderboard.watchUser' },
    });
    socket.send(watch(8, 'alice'));
    await socket.until((s) => s.of(8).some(isData), 'the watch');
    socket.send({ id: 7, method: 'subscription.stop' });
    await socket.until((s) => s.of(7).some((f) => f.result?.type === 'stopped'), 'stopped');
    // 8 goes on: a change of alice's place is still pushed to it.
    await server.setScore('alice', 'a1', 5);
    await socket.until((s) => s.of(8).filter(isData).length === 2, "alice's new place");
    expect(socket.of(8).some((f) => f.result?.type === 'stopped')).toBe(false);
  });

  it('answers a subscription without an id, or with a nested array for one, with a parse error and starts nothing', async () => {
    server = await startTestServer();
    const socket = await open();
    socket.send({ method: 'subscription', params: { path: 'leaderboard.live' } });
    socket.send({ id: [[[1]]], method: 'subscription', params: { path: 'leaderboard.live' } });
    await socket.roundTrip('probe');
    await socket.until((s) => s.of(null).length === 2, 'two parse errors');
    for (const frame of socket.of(null)) {
      expect(frame.error).toMatchObject({ message: 'Invalid request id', data: { code: 'PARSE_ERROR' } });
    }
    expect(socket.frames.filter((f) => f.result?.type === 'started')).toEqual([]);
    expect(socket.frames.every((f) => typeof f === 'object')).toBe(true);
  });

  it('spends the read budget before it looks at the input: two invalid subscriptions, then 429', async () => {
    server = await startTestServer({ RATE_LIMIT_READS_PER_MIN: '2' });
    const socket = await open();
    socket.send(live(1, { limit: 0 }));
    socket.send(live(2, { limit: 'x' }));
    await socket.until((s) => s.of(1).length > 0 && s.of(2).length > 0, 'two refusals');
    socket.send(live(3));
    await socket.until((s) => s.of(3).length > 0, 'the third answer');
    expect([codeOf(socket.of(1)[0]), codeOf(socket.of(2)[0]), codeOf(socket.of(3)[0])]).toEqual([
      'BAD_REQUEST',
      'BAD_REQUEST',
      'TOO_MANY_REQUESTS',
    ]);
    expect(socket.of(1)[0].error.message).toBe('limit: must be an integer from 1 to 100');
  });

  it('holds a service socket to the message rate again once its token expires', async () => {
    server = await startTestServer({ WS_MAX_MESSAGES_PER_SECOND: '5' });
    const expiresAt = Math.floor(Date.now() / 1000) + 4;
    const token = tokenFor('game-server', {
      roles: ['service'],
      expiresIn: expiresAt - Math.floor(Date.now() / 1000),
    });
    const socket = await open({ token });
    await socket.roundTrip('verified'); // the exemption starts once the token has verified
    for (let i = 0; i < 20; i++) socket.send('PING');
    await socket.roundTrip('while-valid');
    expect(socket.closed).toBeUndefined();
    await socket.until(() => Date.now() >= expiresAt * 1000, 'the token to expire', 15_000);
    for (let i = 0; i < 20; i++) socket.send('PING');
    await socket.until((s) => s.closed !== undefined, 'the close');
    expect(socket.closed).toEqual({ code: 1008, reason: 'Too many messages' });
  });

  it('records a socket closed for flooding in the audit trail, one row per source and minute', async () => {
    server = await startTestServer({ WS_MAX_MESSAGES_PER_SECOND: '2' });
    for (let round = 0; round < 3; round++) {
      const socket = await open();
      for (let i = 0; i < 10; i++) socket.send('PING');
      await socket.until((s) => s.closed !== undefined, 'the close');
    }
    // The refusal is recorded after its observers (flags) have seen it, so the third socket's
    // close can reach this client before its count is held: wait for the count, then judge.
    const counted = () => server!.query<{ n: number }>('select sum(count) as n from security_events')[0]?.n;
    await until(
      async () => {
        await server!.flushAudit();
        return counted() === 3;
      },
      () => `3 floods counted (now ${counted()})`,
    );
    expect(server.query('select kind, ip, count, reason from security_events')).toEqual([
      {
        kind: 'rate_limited',
        ip: '127.0.0.1',
        count: 3,
        reason: 'Too many WebSocket messages: the connection was closed (WS_MAX_MESSAGES_PER_SECOND)',
      },
    ]);
  });
});
