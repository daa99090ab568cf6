import { createTRPCClient, httpLink } from '@trpc/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { startTestServer, UNLIMITED, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';

// The public list of boards (`GET /boards`, `leaderboard.boards`) on a fake clock: Saturday
// 2026-03-28 at 22:59:30 UTC, half a minute before midnight in Berlin, on the night Berlin
// moves to summer time.

const NOW = '2026-03-28T22:59:30.000Z';

const BOARDS = {
  boards: [
    { id: 'global', title: 'All players', windows: [{ kind: 'week', zone: 'Europe/Berlin' }] },
    {
      id: 'time-trial',
      title: 'Time trial',
      order: 'asc',
      operator: 'best',
      windows: [
        { kind: 'month', zone: 'UTC' },
        { kind: 'day', zone: 'Europe/Berlin' },
      ],
    },
    { id: 'old-mode', operator: 'latest' },
  ],
};

const GLOBAL = {
  id: 'global',
  title: 'All players',
  order: 'desc',
  operator: 'total',
  windows: [
    { kind: 'all', key: 'all', start: null, end: null, next_reset: null },
    {
      kind: 'week',
      key: 'week:2026-03-23',
      start: '2026-03-22T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
      next_reset: '2026-03-29T22:00:00.000Z',
    },
  ],
};
const TIME_TRIAL = {
  id: 'time-trial',
  title: 'Time trial',
  order: 'asc',
  operator: 'best',
  windows: [
    { kind: 'all', key: 'all', start: null, end: null, next_reset: null },
    {
      kind: 'day',
      key: 'day:2026-03-28',
      start: '2026-03-27T23:00:00.000Z',
      end: '2026-03-28T23:00:00.000Z',
      next_reset: '2026-03-28T23:00:00.000Z',
    },
    {
      kind: 'month',
      key: 'month:2026-03',
      start: '2026-03-01T00:00:00.000Z',
      end: '2026-04-01T00:00:00.000Z',
      next_reset: '2026-04-01T00:00:00.000Z',
    },
  ],
};
const SEASONS = {
  id: 'seasons',
  title: 'seasons',
  order: 'desc',
  operator: 'increment',
  windows: [
    { kind: 'all', key: 'all', start: null, end: null, next_reset: null },
    { kind: 'season', key: 'season:0', start: null, end: null, next_reset: null },
  ],
};

let server: TestServer;
let folder: string;
const admin = () =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${server.url}/trpc`,
        headers: { authorization: `Bearer ${tokenFor('ops', { roles: ['admin'] })}` },
      }),
    ],
  });

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  folder = mkdtempSync(join(tmpdir(), 'scoreboard-boards-list-'));
  const file = join(folder, 'boards.json');
  writeFileSync(file, JSON.stringify(BOARDS));
  server = await startTestServer({ ...UNLIMITED, BOARDS_FILE: file });
  await admin().admin.createBoard.mutate({
    id: 'seasons',
    operator: 'increment',
    windows: [{ kind: 'season', zone: 'UTC' }],
  });
  await admin().admin.archiveBoard.mutate({ id: 'old-mode' });
});
afterAll(async () => {
  await server?.close();
  vi.useRealTimers();
  rmSync(folder, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });

describe('GET /boards and leaderboard.boards', () => {
  it('lists the boards that are not archived, by id, each with the window of each kind in force now', async () => {
    const res = await get('/boards');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ boards: [GLOBAL, SEASONS, TIME_TRIAL] });
    // The same procedure over tRPC.
    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc` })] });
    expect(await client.leaderboard.boards.query()).toEqual({ boards: [GLOBAL, SEASONS, TIME_TRIAL] });
  });

  it('may be cached until the earliest reset it names (30 s here), and revalidated by its ETag', async () => {
    const res = await get('/boards');
    expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await get('/boards', { 'if-none-match': etag });
    expect([again.status, await again.text()]).toEqual([304, '']);

    // Past midnight in Berlin: a new day, another body, another ETag; the next reset is a
    // week's, an hour after its start in summer time: kept at most 60 s.
    vi.setSystemTime(new Date('2026-03-28T23:00:00.000Z'));
    const after = await get('/boards', { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('cache-control')).toBe('public, max-age=60');
    expect(after.headers.get('etag')).not.toBe(etag);
    const body = (await after.json()) as { boards: { id: string; windows: { key: string }[] }[] };
    expect(body.boards.find((b) => b.id === 'time-trial')?.windows[1]).toEqual({
      kind: 'day',
      key: 'day:2026-03-29',
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
      next_reset: '2026-03-29T22:00:00.000Z',
    });
    vi.setSystemTime(new Date(NOW));
  });

  it('refuses a query parameter with a clear 400, and other methods with a 405', async () => {
    const res = await get('/boards?board=global');
    expect([res.status, await res.json()]).toEqual([
      400,
      { status: 'error', message: 'input: unknown field "board" (it takes none)' },
    ]);
    const post = await fetch(`${server.url}/boards`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
  });
});
