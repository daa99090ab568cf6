import { createTRPCClient, httpLink } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { ON_POSTGRES } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const ADMIN = tokenFor('ops', { roles: ['admin'] });
const admin = () =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${ADMIN}` } })],
  });
const post = (user: string, action: string, score: number) =>
  server.post(
    '/update-score',
    { user_id: user, action_id: action, new_score: score },
    { authorization: `Bearer ${tokenFor(user)}` },
  );

/** Every table of the database (views, such as scores over board_scores, are not), with every row. */
function everyRow(): Record<string, unknown[]> {
  const tables = ON_POSTGRES
    ? server.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      )
    : server.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
  return Object.fromEntries(
    tables
      .map((t) => t.name)
      .sort()
      .map((name) => [name, server.query(`SELECT * FROM ${name}`)]),
  );
}

/** The tables (if any) with a row that holds `text` anywhere in it. */
function tablesHolding(text: string): string[] {
  return Object.entries(everyRow())
    .filter(([, rows]) => rows.some((row) => JSON.stringify(row).includes(text)))
    .map(([name]) => name);
}

describe('admin.eraseUser leaves nothing behind', () => {
  it("leaves no row anywhere with the user's id, the change feed included", async () => {
    server = await startTestServer({ FLAG_THRESHOLD: '1' });
    expect((await post('ursula-erased', 'u1', 100)).status).toBe(200);
    expect((await post('ursula-erased', 'u2', 150)).status).toBe(200);
    expect((await post('ursula-erased', 'u3', 5000)).status).toBe(422); // an event
    expect((await post('ursula-erased', 'u4', 6000)).status).toBe(422); // and a flag
    expect((await post('bob', 'b1', 50)).status).toBe(200);
    await server.flushAudit();
    expect(tablesHolding('ursula-erased').sort()).toEqual(
      [
        ...(ON_POSTGRES ? ['board_changes'] : []),
        'flagged_users',
        'board_scores',
        'score_ledger',
        'security_events',
      ].sort(),
    );

    const erasure = await admin().admin.eraseUser.mutate({ user_id: 'ursula-erased' });
    expect(erasure).toMatchObject({ score: 150, ledger_rows: 2 });
    expect(tablesHolding('ursula-erased')).toEqual([]);
    // The others' data stays; bob goes on.
    expect(server.query('SELECT user_id, score FROM scores')).toEqual([{ user_id: 'bob', score: 50 }]);
    expect((await post('bob', 'b2', 60)).status).toBe(200);
    expect((await fetch(`${server.url}/leaderboard`).then((r) => r.json())) as unknown).toEqual({
      window: GLOBAL_ALL_WINDOW,
      entries: [{ rank: 1, user_id: 'bob', score: 60 }],
      next_cursor: null,
    });
  });

  it('records a refusal by an erased subject as a new event, not into a deleted row', async () => {
    server = await startTestServer();
    expect((await post('ursula-erased', 'u1', 100)).status).toBe(200);
    expect((await post('ursula-erased', 'u2', 5000)).status).toBe(422);
    await admin().admin.eraseUser.mutate({ user_id: 'ursula-erased' });
    // Within the same audit window (a minute) as the refusal before the erasure.
    expect((await post('ursula-erased', 'u3', 6000)).status).toBe(422);
    expect((await post('ursula-erased', 'u4', 7000)).status).toBe(422);
    await server.flushAudit();
    expect(
      server.query(
        "SELECT kind, subject, user_id, count FROM security_events WHERE subject = 'ursula-erased' ORDER BY id",
      ),
    ).toEqual([{ kind: 'score_rule', subject: 'ursula-erased', user_id: 'ursula-erased', count: 2 }]);
  });

  it('answers NOT_FOUND (HTTP 404) for a user of whom nothing is held, and writes nothing', async () => {
    server = await startTestServer();
    expect((await post('bob', 'b1', 50)).status).toBe(200);
    const before = everyRow();
    const res = await fetch(`${server.url}/trpc/admin.eraseUser`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'nobody-here' }),
    });
    const body = (await res.json()) as { error: { message: string; data: { code: string } } };
    expect([res.status, body.error.data.code, body.error.message]).toEqual([
      404,
      'NOT_FOUND',
      'No data is held about user "nobody-here"',
    ]);
    await server.flushAudit();
    expect(everyRow()).toEqual(before);
  });
});
