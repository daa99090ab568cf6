import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

// Every transport runs a procedure's steps in one order: the access step (and the budget it
// spends) before the input is looked at. So invalid input spends the budget as valid input
// does, and the call past the budget is refused whatever its input.
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const statuses = async (requests: Array<() => Promise<Response>>) => {
  const out: number[] = [];
  for (const send of requests) {
    const res = await send();
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
};

describe('the access step comes before the input, on every HTTP transport', () => {
  it('spends the read budget on invalid REST and tRPC reads: two 400s, then 429', async () => {
    server = await startTestServer({ RATE_LIMIT_READS_PER_MIN: '2' });
    const url = server.url;
    expect(
      await statuses([
        () => fetch(`${url}/leaderboard?limit=0`),
        () => fetch(`${url}/leaderboard/users/u1/around?radius=99`),
        () => fetch(`${url}/leaderboard`),
      ]),
    ).toEqual([400, 400, 429]);
    await server.close();
    server = await startTestServer({ RATE_LIMIT_READS_PER_MIN: '2' });
    const top = (input: unknown) =>
      fetch(`${server!.url}/trpc/leaderboard.top?input=${encodeURIComponent(JSON.stringify(input))}`);
    expect(await statuses([() => top({ limit: 0 }), () => top({ other: 1 }), () => top({})])).toEqual([
      400, 400, 429,
    ]);
  });

  it('spends the IP update budget on updates with bad bodies: two 400s, then 429 (REST and tRPC)', async () => {
    server = await startTestServer({ RATE_LIMIT_IP_PER_MIN: '2' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('alice')}` };
    const good = JSON.stringify({ user_id: 'alice', action_id: 'a1', new_score: 1 });
    expect(
      await statuses([
        () => fetch(`${server!.url}/update-score`, { method: 'POST', headers, body: '{"user_id":' }),
        () => fetch(`${server!.url}/trpc/scores.update`, { method: 'POST', headers, body: '{}' }),
        () => fetch(`${server!.url}/update-score`, { method: 'POST', headers, body: good }),
      ]),
    ).toEqual([400, 400, 429]);
    expect(server.query('select * from scores')).toEqual([]);
  });
});
