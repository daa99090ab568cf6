import { createTRPCClient, httpLink } from '@trpc/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRow, SecurityEventRow } from '../../server/storage/database.js';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';
import { failure } from '../helpers/trpc-failure.js';

/** The first season of the boards with seasons: long begun. */
const S1 = Date.parse('2026-01-01T00:00:00Z');
const BOARDS = {
  boards: [
    {
      id: 'ranked',
      title: 'Ranked',
      rules: { max_change: 1000 },
      windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }],
    },
    {
      id: 'trial',
      order: 'asc',
      operator: 'best',
      rules: { min: 1, max: 100_000 },
      windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }],
    },
    { id: 'coins', operator: 'increment' },
    { id: 'old', windows: [{ kind: 'season', zone: 'UTC' }] },
  ],
};

let folder: string;
let file: string;
let server: TestServer;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-board-admin-'));
  file = join(folder, 'boards.json');
  writeFileSync(file, JSON.stringify(BOARDS));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
});

const start = async () => {
  server = await startTestServer({ ...UNLIMITED, BOARDS_FILE: file });
};
const clientAs = (token: string) =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
const admin = () => clientAs(tokenFor('ops', { roles: ['admin'] })).admin;

const submit = async (board: string, user: string, action: string, score: number) =>
  (
    await server.post(
      `/boards/${board}/scores`,
      { user_id: user, action_id: action, new_score: score },
      { authorization: `Bearer ${serviceToken()}` },
    )
  ).status;

const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const entries = async (board: string, query = '') =>
  (await get(`/boards/${board}/leaderboard${query}`)).body.entries as unknown[];

const iso = (ms: number) => new Date(ms).toISOString();

/** The admins' ledger rows, oldest first. */
const adminLedger = () =>
  server
    .query<Omit<LedgerRow, 'id'>>(
      `select board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at, reason
       from score_ledger where action_id like 'season:%' or action_id like 'remove:%' or action_id like 'set:%'
       order by id`,
    )
    .map((row) => ({ ...row, value: Number(row.value), created_at: Number(row.created_at) }));
/** The audit entries of admins' changes, oldest first. */
const adminAudit = () =>
  server
    .query<Omit<SecurityEventRow, 'id'>>(
      `select kind, subject, ip, user_id, reason, count, created_at, last_at from security_events
       where kind = 'admin_action' order by id`,
    )
    .map((row) => ({ ...row, created_at: Number(row.created_at), last_at: Number(row.last_at) }));
/** The user's rows on the board: window key → score. */
const rowsOf = (board: string, user: string) =>
  Object.fromEntries(
    server
      .query<{ window_key: string; score: number }>(
        `select window_key, score from board_scores where board_id = '${board}' and user_id = '${user}'`,
      )
      .map((r) => [r.window_key, Number(r.score)]),
  );

describe('admin.startSeason', () => {
  it('starts the next season now: the current season is empty, the one before is read as it ended', async () => {
    await start();
    expect(await submit('ranked', 'alice', 'a1', 100)).toBe(200);
    expect(await submit('ranked', 'bob', 'b1', 50)).toBe(200);
    const before = Date.now();
    const started = await admin().startSeason.mutate({ board: 'ranked', reason: 'spring' });
    const t = Date.parse(started.started_at);
    expect(started).toEqual({ board: 'ranked', season: 2, started_at: iso(t) });
    expect(t).toBeGreaterThanOrEqual(before - 1000); // the database's clock, on PostgreSQL

    // The board as stored, and as every instance loads it, lists the start.
    const [stored] = server.query<{ definition: string }>(
      "select definition from boards where id = 'ranked'",
    );
    expect(JSON.parse(stored!.definition).windows).toEqual([
      { kind: 'all' },
      { kind: 'season', zone: 'UTC', season_starts: [S1, t] },
    ]);
    expect(adminLedger()).toEqual([
      {
        board_id: 'ranked',
        action_id: 'season:2',
        user_id: '',
        value: 0,
        previous_score: 0,
        new_score: 0,
        subject: 'ops',
        ip: '127.0.0.1',
        created_at: t,
        reason: 'spring',
      },
    ]);
    const audit = {
      kind: 'admin_action',
      subject: 'ops',
      ip: '127.0.0.1',
      user_id: null,
      reason: `admin.startSeason: board "ranked", season 2 started at ${iso(t)}: spring`,
      count: 1,
      created_at: t,
      last_at: t,
    };
    expect(adminAudit()).toEqual([audit]);
    expect((await admin().securityEvents.query({ kind: 'admin_action' })).events).toEqual([
      {
        id: expect.any(Number),
        kind: 'admin_action',
        subject: 'ops',
        ip: '127.0.0.1',
        user_id: null,
        reason: audit.reason,
        count: 1,
        created_at: iso(t),
        last_at: iso(t),
      },
    ]);

    const season = await get('/boards/ranked/leaderboard?window=season');
    expect(season.body).toEqual({
      window: {
        board: 'ranked',
        kind: 'season',
        key: 'season:2',
        start: iso(t),
        end: null,
        next_reset: null,
      },
      entries: [],
      next_cursor: null,
    });
    const previous = await get('/boards/ranked/leaderboard?window=season&at=previous');
    expect(previous.body).toEqual({
      window: {
        board: 'ranked',
        kind: 'season',
        key: 'season:1',
        start: iso(S1),
        end: iso(t),
        next_reset: null,
      },
      entries: [
        { rank: 1, user_id: 'alice', score: 100 },
        { rank: 2, user_id: 'bob', score: 50 },
      ],
      next_cursor: null,
    });
    // The whole board goes on; a write now counts in season 2.
    expect(await submit('ranked', 'alice', 'a2', 130)).toBe(200);
    expect(await entries('ranked', '?window=season')).toEqual([{ rank: 1, user_id: 'alice', score: 30 }]);
    expect(await entries('ranked')).toEqual([
      { rank: 1, user_id: 'alice', score: 130 },
      { rank: 2, user_id: 'bob', score: 50 },
    ]);

    // A restart serves season 2, and the board file (without the start) does not undo it.
    const dir = server.dir;
    await server.app.close();
    server = await startTestServer({ ...UNLIMITED, BOARDS_FILE: file }, dir);
    expect((await get('/boards/ranked/leaderboard?window=season')).body.window.key).toBe('season:2');
    expect((await admin().startSeason.mutate({ board: 'ranked' })).season).toBe(3);
    expect(adminLedger().map((row) => [row.action_id, row.reason])).toEqual([
      ['season:2', 'spring'],
      ['season:3', null],
    ]);
  });
});

describe('admin.removeUser', () => {
  it('takes the user off `all` and the current windows, keeps the past ones, and ledgers and audits it', async () => {
    await start();
    await submit('ranked', 'alice', 'a1', 100);
    await submit('ranked', 'bob', 'b1', 50);
    await admin().startSeason.mutate({ board: 'ranked' });
    await submit('ranked', 'alice', 'a2', 130);
    const removed = await admin().removeUser.mutate({
      board: 'ranked',
      user_id: 'alice',
      reason: 'cheating',
    });
    expect(removed).toEqual({ board: 'ranked', user_id: 'alice', score: 130, windows: ['all', 'season:2'] });

    expect(rowsOf('ranked', 'alice')).toEqual({ 'season:1': 100 });
    const [ledger] = adminLedger().filter((row) => String(row.action_id).startsWith('remove:'));
    expect(ledger).toEqual({
      board_id: 'ranked',
      action_id: expect.stringMatching(/^remove:[0-9a-f-]{36}$/),
      user_id: 'alice',
      value: 0,
      previous_score: 130,
      new_score: 0,
      subject: 'ops',
      ip: '127.0.0.1',
      created_at: expect.any(Number),
      reason: 'cheating',
    });
    expect(adminAudit().at(-1)).toEqual({
      kind: 'admin_action',
      subject: 'ops',
      ip: '127.0.0.1',
      user_id: 'alice',
      reason: 'admin.removeUser: board "ranked", alice removed from all, season:2 (score 130): cheating',
      count: 1,
      created_at: ledger!.created_at,
      last_at: ledger!.created_at,
    });

    // Every read of the board's current windows leaves her out; the past season keeps her.
    expect(await entries('ranked')).toEqual([{ rank: 1, user_id: 'bob', score: 50 }]);
    expect(await entries('ranked', '?window=season')).toEqual([]);
    expect(await entries('ranked', '?window=season&at=previous')).toEqual([
      { rank: 1, user_id: 'alice', score: 100 },
      { rank: 2, user_id: 'bob', score: 50 },
    ]);
    expect((await get('/boards/ranked/users/alice')).status).toBe(404);

    // Nothing more to remove: refused, nothing written.
    const written = adminLedger().length;
    expect(
      await failure(admin().removeUser.mutate({ board: 'ranked', user_id: 'alice', reason: 'again' })),
    ).toEqual({
      code: 'NOT_FOUND',
      message: 'User "alice" has no score in the current windows of board "ranked"',
    });
    expect(adminLedger()).toHaveLength(written);
    // A replay of her earlier update answers as it did, with no rank now.
    const replay = await clientAs(serviceToken()).scores.update.mutate({
      board: 'ranked',
      user_id: 'alice',
      action_id: 'a2',
      new_score: 130,
    });
    expect(replay).toEqual({ user_id: 'alice', score: 130, previous_score: 100, rank: null, applied: false });
    // She may submit again, from nothing.
    expect(await submit('ranked', 'alice', 'a3', 20)).toBe(200);
    expect(await entries('ranked')).toEqual([
      { rank: 1, user_id: 'bob', score: 50 },
      { rank: 2, user_id: 'alice', score: 20 },
    ]);
  });
});

describe('admin.setScore', () => {
  it("sets the user's score on the board; the current windows they have a score in move with it", async () => {
    await start();
    await submit('ranked', 'alice', 'a1', 100);
    await submit('ranked', 'bob', 'b1', 80);
    const set = await admin().setScore.mutate({
      board: 'ranked',
      user_id: 'alice',
      score: 70,
      reason: 'refund',
    });
    expect(set).toEqual({ board: 'ranked', user_id: 'alice', previous_score: 100, score: 70 });
    const [ledger] = adminLedger();
    expect(ledger).toEqual({
      board_id: 'ranked',
      action_id: expect.stringMatching(/^set:[0-9a-f-]{36}$/),
      user_id: 'alice',
      value: 70,
      previous_score: 100,
      new_score: 70,
      subject: 'ops',
      ip: '127.0.0.1',
      created_at: expect.any(Number),
      reason: 'refund',
    });
    expect(adminAudit()).toEqual([
      {
        kind: 'admin_action',
        subject: 'ops',
        ip: '127.0.0.1',
        user_id: 'alice',
        reason: 'admin.setScore: board "ranked", score of alice set from 100 to 70: refund',
        count: 1,
        created_at: ledger!.created_at,
        last_at: ledger!.created_at,
      },
    ]);
    // Both rows were reached at the set's ledger row.
    const [{ id }] = server.query<{ id: number }>(
      "select id from score_ledger where action_id like 'set:%'",
    ) as [{ id: number }];
    expect(
      server.query(
        "select window_key, score, reached_seq from board_scores where board_id = 'ranked' and user_id = 'alice' order by window_key",
      ),
    ).toEqual([
      { window_key: 'all', score: 70, reached_seq: id },
      { window_key: 'season:1', score: 70, reached_seq: id },
    ]);
    expect(await entries('ranked')).toEqual([
      { rank: 1, user_id: 'bob', score: 80 },
      { rank: 2, user_id: 'alice', score: 70 },
    ]);
    // Her next total counts from the score set.
    expect(await submit('ranked', 'alice', 'a2', 90)).toBe(200);
    expect(rowsOf('ranked', 'alice')).toEqual({ all: 90, 'season:1': 90 });

    // A time trial: the score set counts even where a better run was.
    await submit('trial', 'alice', 't1', 5000);
    expect(
      await admin().setScore.mutate({ board: 'trial', user_id: 'alice', score: 6000, reason: 'slow' }),
    ).toEqual({
      board: 'trial',
      user_id: 'alice',
      previous_score: 5000,
      score: 6000,
    });
    expect(rowsOf('trial', 'alice')).toEqual({ all: 6000, 'season:1': 6000 });
    // A user with no score gets one.
    expect(
      await admin().setScore.mutate({ board: 'coins', user_id: 'carol', score: 40, reason: 'gift' }),
    ).toEqual({
      board: 'coins',
      user_id: 'carol',
      previous_score: null,
      score: 40,
    });
    expect(await entries('coins')).toEqual([{ rank: 1, user_id: 'carol', score: 40 }]);

    // Erasing her clears the reasons admins gave about her, and their audit entries.
    await admin().eraseUser.mutate({ user_id: 'alice' });
    expect(
      adminLedger()
        .filter((row) => row.user_id !== 'carol')
        .map((row) => [row.user_id.slice(0, 7), row.subject, row.reason]),
    ).toEqual([
      ['erased:', 'ops', null],
      ['erased:', 'ops', null],
    ]);
    expect(adminAudit().map((row) => row.user_id)).toEqual(['carol']);
  });
});

describe('refusals of the admin procedures for boards', () => {
  it('refuses with a clear 4xx an unknown board, a board without seasons, an archived board, a bad reason or score', async () => {
    await start();
    await admin().archiveBoard.mutate({ id: 'old' });
    const calls = admin();
    const reason = 'why';
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [() => calls.startSeason.mutate({ board: 'nope' }), 'NOT_FOUND', 'No board "nope"'],
      [
        () => calls.removeUser.mutate({ board: 'nope', user_id: 'alice', reason }),
        'NOT_FOUND',
        'No board "nope"',
      ],
      [
        () => calls.setScore.mutate({ board: 'nope', user_id: 'alice', score: 1, reason }),
        'NOT_FOUND',
        'No board "nope"',
      ],
      [
        () => calls.startSeason.mutate({ board: 'coins' }),
        'CONFLICT',
        'Board "coins" keeps no season window: declare one ({"kind": "season", "zone": "UTC"}) in the board file',
      ],
      [
        () => calls.startSeason.mutate({ board: 'old' }),
        'CONFLICT',
        'Board "old" is archived: it can be read, not written',
      ],
      [
        () => calls.removeUser.mutate({ board: 'old', user_id: 'alice', reason }),
        'CONFLICT',
        'Board "old" is archived: it can be read, not written',
      ],
      [
        () => calls.setScore.mutate({ board: 'old', user_id: 'alice', score: 1, reason }),
        'CONFLICT',
        'Board "old" is archived: it can be read, not written',
      ],
      [
        () => calls.setScore.mutate({ board: 'trial', user_id: 'alice', score: 0, reason }),
        'UNPROCESSABLE_CONTENT',
        'score must be from 1 to 100000 on board "trial"',
      ],
      [
        () => calls.setScore.mutate({ board: 'trial', user_id: 'alice', score: -1, reason }),
        'BAD_REQUEST',
        `score: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`,
      ],
      [
        () => calls.removeUser.mutate({ board: 'ranked', user_id: 'alice', reason: '  ' }),
        'BAD_REQUEST',
        'reason: must be 1 to 200 characters',
      ],
      [
        () => calls.setScore.mutate({ board: 'ranked', user_id: 'alice', score: 1, reason: 'x'.repeat(201) }),
        'BAD_REQUEST',
        'reason: must be 1 to 200 characters',
      ],
      [
        () => calls.startSeason.mutate({ board: 'ranked', reason: 'line\nbreak' }),
        'BAD_REQUEST',
        'reason: must not contain control characters',
      ],
      [
        () => calls.removeUser.mutate({ board: 'Ranked Board', user_id: 'alice', reason }),
        'BAD_REQUEST',
        'board: "Ranked Board" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
      ],
    ];
    for (const [call, code, message] of cases) expect(await failure(call())).toEqual({ code, message });
    // The reason is not optional where it is required.
    expect(
      (await failure(calls.setScore.mutate({ board: 'ranked', user_id: 'a', score: 1 } as never))).code,
    ).toBe('BAD_REQUEST');
    expect(adminLedger()).toEqual([]);
    expect(adminAudit()).toEqual([]);
  });

  it('refuses a token without role admin, and writes nothing', async () => {
    await start();
    await submit('ranked', 'alice', 'a1', 100);
    const player = clientAs(tokenFor('alice')).admin;
    const reason = 'mine';
    for (const call of [
      () => player.startSeason.mutate({ board: 'ranked' }),
      () => player.removeUser.mutate({ board: 'ranked', user_id: 'alice', reason }),
      () => player.setScore.mutate({ board: 'ranked', user_id: 'alice', score: 1_000, reason }),
    ])
      expect((await failure(call())).code).toBe('FORBIDDEN');
    expect(adminLedger()).toEqual([]);
    expect(adminAudit()).toEqual([]);
    expect(rowsOf('ranked', 'alice')).toEqual({ all: 100, 'season:1': 100 });
    expect((await get('/boards/ranked/leaderboard?window=season')).body.window.key).toBe('season:1');
  });
});
