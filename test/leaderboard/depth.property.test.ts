import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    SCORE_ALLOW_DECREASE: 'true',
    SCORE_MAX_GAIN: '1000000',
    RATE_LIMIT_USER_PER_MIN: '1000000',
    RATE_LIMIT_READS_PER_MIN: '1000000',
    LEADERBOARD_SIZE: '5',
  });
});
afterAll(() => server.close());

interface Entry {
  rank: number;
  user_id: string;
  score: number;
}

/**
 * The brute-force model of the board: every accepted update in order; a user's score is their
 * last one, and they reached it at the update that first set it (reporting the same score
 * again keeps the moment). Ranks: score desc, reached first, user id.
 */
class Model {
  private seq = 0;
  private readonly users = new Map<string, { score: number; reached: number }>();

  accept(user: string, score: number): void {
    this.seq += 1;
    const current = this.users.get(user);
    if (current?.score !== score) this.users.set(user, { score, reached: this.seq });
  }

  board(): Entry[] {
    return [...this.users]
      .sort(
        ([ua, a], [ub, b]) => b.score - a.score || a.reached - b.reached || (ua < ub ? -1 : ua > ub ? 1 : 0),
      )
      .map(([user_id, { score }], i) => ({ rank: i + 1, user_id, score }));
  }
}

const model = new Model();
let action = 0;
const get = async (path: string) => (await fetch(server.url + path)).json() as Promise<any>;

describe('ranks, neighbours and pages against a brute-force model', () => {
  it('agree after any sequence of updates: ties, repeated scores, decreases', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ user: fc.integer({ min: 0, max: 14 }), score: fc.integer({ min: 0, max: 6 }) }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.integer({ min: 1, max: 6 }),
        async (updates, pageSize) => {
          for (const { user, score } of updates) {
            const res = await server.setScore(`p${user}`, `act-${action++}`, score * 10);
            expect(res.status).toBe(200);
            model.accept(`p${user}`, score * 10);
          }
          const expected = model.board();
          // Every user's rank and neighbours.
          for (const entry of expected) {
            expect(await get(`/leaderboard/users/${entry.user_id}`)).toEqual({
              window: GLOBAL_ALL_WINDOW,
              user_id: entry.user_id,
              score: entry.score,
              rank: entry.rank,
            });
          }
          const someone = expected[Math.floor(expected.length / 2)]!;
          expect(await get(`/leaderboard/users/${someone.user_id}/around?radius=2`)).toEqual({
            window: GLOBAL_ALL_WINDOW,
            entries: expected.slice(Math.max(0, someone.rank - 3), someone.rank + 2),
          });
          // Walking the pages lists everyone once, in order.
          const walked: Entry[] = [];
          let cursor: string | null = null;
          do {
            const page: { entries: Entry[]; next_cursor: string | null } = await get(
              `/leaderboard?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`,
            );
            walked.push(...page.entries);
            cursor = page.next_cursor;
          } while (cursor);
          expect(walked).toEqual(expected);
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
