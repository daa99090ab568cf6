import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config/config.js';
import { createLogger } from '../../server/observability/logger.js';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let server: TestServer;
afterEach(() => server?.close());

const admin = () =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${server.url}/trpc`,
        headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
      }),
    ],
  });
const post = (user: string, action: string, score: number, token = tokenFor(user)) =>
  server.post(
    '/update-score',
    { user_id: user, action_id: action, new_score: score },
    { authorization: `Bearer ${token}` },
  );

describe('admin.securityEvents', () => {
  it('lists refusals newest first with filters and cursor pagination', async () => {
    server = await startTestServer();
    await post('alice', 'a1', 5000); // 422
    await post('bob', 'b1', 1, tokenFor('mallory')); // 403
    await post('alice', 'a2', 10, 'garbage.garbage.garbage'); // 401
    await post('carol', 'c1', 5000); // 422

    const all = await admin().admin.securityEvents.query({});
    expect(all.events.map((e) => [e.kind, e.subject, e.user_id])).toEqual([
      ['score_rule', 'carol', 'carol'],
      ['unauthorized', null, null],
      ['forbidden', 'mallory', 'bob'],
      ['score_rule', 'alice', 'alice'],
    ]);
    expect(all.events[0]).toMatchObject({
      ip: '127.0.0.1',
      reason: expect.stringContaining('one update may raise it'),
    });
    expect(new Date(all.events[0]!.created_at).toISOString()).toBe(all.events[0]!.created_at);
    expect(all.nextCursor).toBeNull();

    const rules = await admin().admin.securityEvents.query({ kind: 'score_rule' });
    expect(rules.events.map((e) => e.user_id)).toEqual(['carol', 'alice']);
    const forAlice = await admin().admin.securityEvents.query({ user_id: 'alice' });
    expect(forAlice.events.map((e) => e.kind)).toEqual(['score_rule']);

    const page1 = await admin().admin.securityEvents.query({ limit: 3 });
    expect(page1.events).toHaveLength(3);
    const page2 = await admin().admin.securityEvents.query({ limit: 3, cursor: page1.nextCursor! });
    expect(page2.events.map((e) => e.id)).toEqual([all.events[3]!.id]);

    const future = await admin().admin.securityEvents.query({
      since: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(future.events).toEqual([]);
  });

  it('refuses a token without role admin with FORBIDDEN and records it', async () => {
    server = await startTestServer();
    const client = createTRPCClient<AppRouter>({
      links: [
        httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${tokenFor('alice')}` } }),
      ],
    });
    const error = await client.admin.securityEvents.query({}).catch((e) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data?.code).toBe('FORBIDDEN');
    expect(server.query('select kind, subject from security_events')).toEqual([
      { kind: 'forbidden', subject: 'alice' },
    ]);
  });
});

describe('anomaly flags', () => {
  it('flags a subject whose refusals pass the threshold, lists it, and lets an admin clear it', async () => {
    server = await startTestServer({ FLAG_THRESHOLD: '3', FLAG_WINDOW_SECONDS: '600' });
    for (let i = 0; i < 3; i++) await post('mallory', `m${i}`, 5000 + i);
    expect(server.query('select user_id from flagged_users')).toEqual([]);
    await post('mallory', 'm3', 9000);
    await post('mallory', 'm4', 9001); // still one flag in this window
    const flagged = await admin().admin.flaggedUsers.query({});
    expect(flagged.users).toEqual([
      {
        user_id: 'mallory',
        reason: 'more than 3 refused requests within 600 s (last: score_rule)',
        flag_count: 1,
        flagged_at: expect.any(String),
        cleared_at: null,
        cleared_by: null,
      },
    ]);

    expect(await admin().admin.clearFlag.mutate({ user_id: 'mallory' })).toEqual({ cleared: true });
    expect(await admin().admin.clearFlag.mutate({ user_id: 'mallory' })).toEqual({ cleared: false });
    expect((await admin().admin.flaggedUsers.query({})).users).toEqual([]);
    const history = await admin().admin.flaggedUsers.query({ include_cleared: true });
    expect(history.users[0]).toMatchObject({
      user_id: 'mallory',
      cleared_by: 'ops',
      cleared_at: expect.any(String),
    });
  });

  it('never flags an unverified subject', async () => {
    server = await startTestServer({ FLAG_THRESHOLD: '1', RATE_LIMIT_AUTH_FAILURES_PER_MIN: '100' });
    const forged = tokenFor('alice', { secret: 'not-the-server-secret-but-32-chars-long' });
    for (let i = 0; i < 4; i++) expect((await post('alice', `f${i}`, 1, forged)).status).toBe(401);
    expect(server.query('select * from flagged_users')).toEqual([]);
    expect(server.query('select distinct subject from security_events')).toEqual([
      { subject: 'unverified:alice' },
    ]);
  });
});

describe('structured refusal logs', () => {
  it('writes one warn line per refusal with a request id and never the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-logs-'));
    const app = await createApp(loadConfig(testEnv(dir)), createLogger('info', sink));
    const port = await app.listen();
    try {
      const token = tokenFor('mallory');
      await fetch(`http://127.0.0.1:${port}/update-score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-123' },
        body: JSON.stringify({ user_id: 'alice', action_id: 'x', new_score: 1 }),
      });
      const refused = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'refused');
      expect(refused).toEqual([
        {
          level: 40,
          time: expect.any(Number),
          event: 'refused',
          kind: 'forbidden',
          status: 403,
          subject: 'mallory',
          ip: '127.0.0.1',
          user_id: 'alice',
          reqId: 'req-123',
          msg: 'This token may only update the score of its own user',
        },
      ]);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redacts credentials if a request is ever logged', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    createLogger('info', sink).info({ headers: { authorization: 'Bearer secret' }, token: 'secret' }, 'x');
    expect(lines.join('')).not.toContain('secret');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      headers: { authorization: '[redacted]' },
      token: '[redacted]',
    });
  });
});
