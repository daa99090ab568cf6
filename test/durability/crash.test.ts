import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUCCESS_BODY } from '../helpers/bodies.js';
import {
  killChildServers,
  startChildServer,
  STARTUP_TIMEOUT_MS,
  type ChildServer,
} from '../helpers/child-server.js';
import { serviceToken } from '../helpers/tokens.js';

// Many requests from one address: keep a (future) rate limiter out of the way.
const NO_RATE_LIMIT = { RATE_LIMIT_IP_PER_MIN: '1000000', RATE_LIMIT_USER_PER_MIN: '1000000' };

interface Update {
  user_id: string;
  action_id: string;
  new_score: number;
}
interface Entry {
  rank: number;
  user_id: string;
  score: number;
}

/**
 * Each test starts a server twice, so its limit follows the helper's start-up limit rather than
 * vitest's default: a slow start then fails with how the server ended, and a test never runs on
 * past its own teardown (which deletes the data folder it uses).
 */
const TEST_TIMEOUT_MS = 2 * STARTUP_TIMEOUT_MS + 30_000;

let dir: string;
/** The servers the current test started. */
let servers: ChildServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-crash-'));
  servers = [];
});
afterEach(async () => {
  await killChildServers();
  rmSync(dir, { recursive: true, force: true });
  // A server that ended without the test asking (a crash, or a signal from another process)
  // fails the test with how it ended, even if its requests happened to be answered first.
  const ended = servers.map((server) => server.endedOnItsOwn()).filter((why) => why !== undefined);
  if (ended.length > 0) throw new Error(ended.join('\n\n'));
});

/** Starts a server on this test's data folder. */
async function start(overrides: Record<string, string>): Promise<ChildServer> {
  const server = await startChildServer(dir, overrides);
  servers.push(server);
  return server;
}

const dbFile = () => join(dir, 'scoreboard.db');

/** Reads the database file directly, with no server in between. */
function readDatabase<T>(read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(dbFile(), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function postUpdate(
  server: ChildServer,
  update: Update,
  token: string,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${server.url}/update-score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(update),
  });
  return { status: res.status, body: await res.text() };
}

async function leaderboard(server: ChildServer): Promise<Entry[]> {
  const res = await fetch(`${server.url}/leaderboard?limit=100`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: Entry[] }).entries;
}

/** The expected leaderboard for distinct final scores. */
const ranked = (finals: Map<string, number>): Entry[] =>
  [...finals].sort((a, b) => b[1] - a[1]).map(([user_id, score], i) => ({ rank: i + 1, user_id, score }));

describe('durability of acknowledged score updates', { timeout: TEST_TIMEOUT_MS }, () => {
  it('keeps every score across a graceful restart', async () => {
    const token = serviceToken();
    const first = await start(NO_RATE_LIMIT);
    const users = Array.from({ length: 60 }, (_, i) => `player-${String(i).padStart(2, '0')}`);
    // Each user climbs three times, in order; users run concurrently. Final scores are distinct.
    const finals = new Map(users.map((user, i) => [user, i * 7 + 5]));
    const statuses = await Promise.all(
      users.map(async (user, i) => {
        const results = [];
        for (const [step, score] of [i * 7 + 1, i * 7 + 3, i * 7 + 5].entries()) {
          results.push(
            (
              await postUpdate(
                first,
                { user_id: user, action_id: `${user}-${step}`, new_score: score },
                token,
              )
            ).status,
          );
        }
        return results;
      }),
    );
    expect(statuses.flat()).toEqual(Array(180).fill(200));

    expect(first.endedOnItsOwn()).toBeUndefined();
    expect(await first.stop('SIGTERM')).toBe(0);

    const stored = readDatabase((db) => ({
      scores: db.prepare('select user_id, score from scores order by user_id').all(),
      ledger: db.prepare('select action_id, user_id, new_score from score_ledger order by action_id').all(),
    }));
    expect(stored.scores).toEqual(users.map((user) => ({ user_id: user, score: finals.get(user) })));
    expect(stored.ledger).toEqual(
      users.flatMap((user, i) =>
        [i * 7 + 1, i * 7 + 3, i * 7 + 5].map((score, step) => ({
          action_id: `${user}-${step}`,
          user_id: user,
          new_score: score,
        })),
      ),
    );

    const second = await start(NO_RATE_LIMIT);
    expect(await leaderboard(second)).toEqual(ranked(finals));
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it.each(['full', 'normal'])(
    'loses no acknowledged update when killed with SIGKILL right after a burst (DB_SYNCHRONOUS=%s)',
    async (sync) => {
      const token = serviceToken();
      const server = await start({ ...NO_RATE_LIMIT, DB_SYNCHRONOUS: sync });
      // 100 users, three climbs each, all 300 fired at once: the order they commit in is up to
      // the server, so a lower score that arrives after a higher one is refused (never decrease).
      const updates: Update[] = Array.from(
        { length: 100 },
        (_, i) => `burst-${String(i).padStart(3, '0')}`,
      ).flatMap((user, i) =>
        [1, 2, 3].map((step) => ({ user_id: user, action_id: `${user}-${step}`, new_score: i * 10 + step })),
      );
      const answers = await Promise.all(updates.map((update) => postUpdate(server, update, token)));
      // The SIGKILL below is what ends this server, nothing before it.
      expect(server.endedOnItsOwn()).toBeUndefined();
      await server.kill9();

      const acknowledged = updates.filter((_, i) => answers[i]!.status === 200);
      for (const [i, answer] of answers.entries()) {
        if (answer.status === 200) expect(answer.body).toBe(SUCCESS_BODY);
        else expect(answer.status, `${updates[i]!.action_id}: ${answer.body}`).toBe(422);
      }
      const finals = new Map<string, number>();
      for (const { user_id, new_score } of acknowledged) {
        finals.set(user_id, Math.max(finals.get(user_id) ?? 0, new_score));
      }
      expect(finals.size).toBe(100); // every user's first commit is a raise from zero

      const stored = readDatabase((db) => ({
        actions: db
          .prepare('select action_id from score_ledger order by action_id')
          .pluck()
          .all() as string[],
        scores: db.prepare('select user_id, score from scores order by user_id').all(),
      }));
      // Every request was answered before the kill, so the ledger holds exactly the 200s.
      expect(stored.actions).toEqual(acknowledged.map((u) => u.action_id).sort());
      expect(stored.scores).toEqual(
        [...finals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([user_id, score]) => ({ user_id, score })),
      );

      const restarted = await start({ ...NO_RATE_LIMIT, DB_SYNCHRONOUS: sync });
      expect(await leaderboard(restarted)).toEqual(ranked(finals));
    },
  );
});
