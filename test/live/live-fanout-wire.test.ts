import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Two servers: one serves leaderboard.live with its own fan-out, the other through tRPC's
// WebSocket handler. The same conversation must produce the same frames, byte for byte (the
// database epoch in event ids aside: each server has its own database).
let fanout: TestServer;
let trpc: TestServer;
beforeAll(async () => {
  fanout = await startTestServer({ WS_MAX_SUBSCRIPTIONS: '3' });
  trpc = await startTestServer({ WS_MAX_SUBSCRIPTIONS: '3' }, undefined, { subscriptionsThroughTrpc: true });
});
afterAll(async () => {
  await fanout.close();
  await trpc.close();
});

/** A socket that records every frame, with the epoch replaced so two databases compare. */
async function recorder(server: TestServer) {
  const epoch = server.query<{ value: string }>("select value from meta where key = 'epoch'")[0]!.value;
  const ws = new WebSocket(server.url.replace('http', 'ws') + '/trpc');
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(String(data).replaceAll(epoch, 'EPOCH'));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve) => ws.once('open', resolve));
  return {
    ws,
    frames,
    epoch,
    async until(count: number) {
      const deadline = Date.now() + 10_000;
      while (frames.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${server.url}: ${count} frames expected, got ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1000);
        });
      }
    },
  };
}

const subscribe = (id: number | string, input: unknown, jsonrpc = false) =>
  JSON.stringify({
    id,
    ...(jsonrpc ? { jsonrpc: '2.0' } : {}),
    method: 'subscription',
    params: { path: 'leaderboard.live', input },
  });

let actions = 0;

/** Runs the same steps against both servers, one step at a time, and compares the frames. */
async function converse(
  steps: Array<{
    send?: (epoch: string, server: TestServer) => string;
    score?: [string, number];
    expect: number;
  }>,
) {
  const result: string[][] = [];
  for (const server of [fanout, trpc]) {
    const socket = await recorder(server);
    let total = 0;
    for (const step of steps) {
      if (step.send) socket.ws.send(step.send(socket.epoch, server));
      if (step.score)
        expect((await server.setScore(step.score[0], `w-${actions++}`, step.score[1])).status).toBe(200);
      total += step.expect;
      await socket.until(total);
    }
    socket.ws.terminate();
    result.push(socket.frames);
  }
  expect(result[0]).toEqual(result[1]);
  return result[0]!;
}

describe('the live fan-out speaks tRPC, byte for byte', () => {
  it('started, a snapshot, an update, a change below the limit sends nothing, stopped', async () => {
    const frames = await converse([
      { score: ['alice', 10], expect: 0 },
      { send: () => subscribe(1, { limit: 2 }), expect: 2 },
      { score: ['bob', 20], expect: 1 },
      { score: ['carol', 5], expect: 0 }, // third place: below limit 2
      { score: ['dave', 30], expect: 1 },
      { send: () => JSON.stringify({ id: 1, method: 'subscription.stop' }), expect: 1 },
    ]);
    expect(frames[0]).toBe('{"id":1,"result":{"type":"started"}}');
    expect(frames.at(-1)).toBe('{"id":1,"result":{"type":"stopped"}}');
  });

  it('echoes jsonrpc and string ids, and refuses bad input, duplicate ids and a full connection the same way', async () => {
    await converse([
      { send: () => subscribe('s-1', {}, true), expect: 2 },
      { send: () => subscribe(2, { limit: 0 }), expect: 1 },
      { send: () => subscribe(3, { limit: 1, extra: true }), expect: 1 },
      { send: () => subscribe('s-1', {}), expect: 1 },
      { send: () => subscribe(4, {}), expect: 2 },
      { send: () => subscribe(5, {}), expect: 2 },
      { send: () => subscribe(6, {}), expect: 1 },
    ]);
  });

  it('resumes from a lastEventId without sending what the client has, then sends what is new', async () => {
    await converse([
      { score: ['erin', 40], expect: 0 },
      { send: () => subscribe(1, {}), expect: 2 },
      {
        send: (epoch, server) =>
          subscribe(2, { lastEventId: `${epoch}:${server.app.services.leaderboard.version}` }),
        expect: 1,
      },
      { score: ['fred', 50], expect: 2 },
    ]);
  });
});
