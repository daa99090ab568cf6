import { createTRPCClient, httpLink } from '@trpc/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tokenFor } from '../helpers/tokens.js';
import { failure } from '../helpers/trpc-failure.js';

let server: TestServer | undefined;
const folders: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const clientAs = (url: string, token: string) =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
const admin = (s: TestServer) => clientAs(s.url, tokenFor('ops', { roles: ['admin'] }));

/** The boards as the database holds them. */
const storedBoards = (s: TestServer) =>
  s.query<{ id: string; archived: number }>(
    'select id, case when archived then 1 else 0 end as archived from boards order by id',
  );

const GLOBAL_VIEW = {
  id: 'global',
  title: 'global',
  order: 'desc',
  operator: 'total',
  rules: { min: 0, max: 1_000_000_000, max_change: 1000, decrease: 'never' },
  windows: [{ kind: 'all' }],
  archived: false,
};

describe('admin.createBoard, admin.listBoards, admin.archiveBoard', () => {
  it('creates a board, lists it and archives it, keeping it in the database', async () => {
    server = await startTestServer();
    const created = await admin(server).admin.createBoard.mutate({
      id: 'speedrun',
      title: 'Speedrun',
      order: 'asc',
      operator: 'best',
      rules: { min: 1000 },
      windows: [{ kind: 'week', zone: 'europe/berlin', week_starts_on: 'sunday' }],
    });
    const speedrun = {
      id: 'speedrun',
      title: 'Speedrun',
      order: 'asc',
      operator: 'best',
      rules: { min: 1000, max: Number.MAX_SAFE_INTEGER, max_change: null, decrease: 'never' },
      windows: [{ kind: 'all' }, { kind: 'week', zone: 'Europe/Berlin', week_starts_on: 7 }],
      archived: false,
    };
    expect(created).toEqual(speedrun);
    expect(await admin(server).admin.listBoards.query()).toEqual({ boards: [GLOBAL_VIEW, speedrun] });
    expect(storedBoards(server)).toEqual([
      { id: 'global', archived: 0 },
      { id: 'speedrun', archived: 0 },
    ]);

    expect(await admin(server).admin.archiveBoard.mutate({ id: 'speedrun' })).toEqual({
      ...speedrun,
      archived: true,
    });
    expect(await admin(server).admin.listBoards.query({ include_archived: false })).toEqual({
      boards: [GLOBAL_VIEW],
    });
    expect(storedBoards(server)).toEqual([
      { id: 'global', archived: 0 },
      { id: 'speedrun', archived: 1 },
    ]);

    // A restart on the same database serves the same boards.
    const dir = server.dir;
    await server.app.close();
    server = await startTestServer({}, dir);
    expect(await admin(server).admin.listBoards.query()).toEqual({
      boards: [GLOBAL_VIEW, { ...speedrun, archived: true }],
    });
  });

  it('refuses with a clear 4xx what cannot be: a taken id, no slug, a bad zone, an unknown board, archiving global', async () => {
    server = await startTestServer();
    const calls = admin(server).admin;
    await calls.createBoard.mutate({ id: 'daily', operator: 'increment' });
    expect(await failure(calls.createBoard.mutate({ id: 'daily' }))).toEqual({
      code: 'CONFLICT',
      message: 'Board "daily" already exists',
    });
    expect(await failure(calls.createBoard.mutate({ id: 'global' }))).toEqual({
      code: 'CONFLICT',
      message: 'The board global always exists; declare its windows in the board file',
    });
    expect(await failure(calls.createBoard.mutate({ id: 'Daily Race' }))).toEqual({
      code: 'BAD_REQUEST',
      message:
        'id: "Daily Race" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
    });
    expect(
      await failure(
        calls.createBoard.mutate({ id: 'weekly', windows: [{ kind: 'week', zone: 'Nowhere/Town' }] }),
      ),
    ).toEqual({
      code: 'BAD_REQUEST',
      message: 'windows.0.zone: "Nowhere/Town" is not an IANA time zone, e.g. "Europe/Berlin"',
    });
    expect(await failure(calls.archiveBoard.mutate({ id: 'nope' }))).toEqual({
      code: 'NOT_FOUND',
      message: 'No board "nope"',
    });
    expect(await failure(calls.archiveBoard.mutate({ id: 'global' }))).toEqual({
      code: 'CONFLICT',
      message: 'The board global cannot be archived: POST /update-score writes it',
    });
    expect(storedBoards(server)).toEqual([
      { id: 'daily', archived: 0 },
      { id: 'global', archived: 0 },
    ]);
  });

  it('refuses a token without role admin, and creates nothing', async () => {
    server = await startTestServer();
    const player = clientAs(server.url, tokenFor('alice'));
    expect((await failure(player.admin.createBoard.mutate({ id: 'daily' }))).code).toBe('FORBIDDEN');
    expect((await failure(player.admin.listBoards.query())).code).toBe('FORBIDDEN');
    expect(storedBoards(server)).toEqual([{ id: 'global', archived: 0 }]);
  });
});

describe('the board file at start', () => {
  it('applies BOARDS_FILE once: a restart with the same file writes nothing', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'scoreboard-boards-file-'));
    folders.push(folder);
    const file = join(folder, 'boards.json');
    writeFileSync(
      file,
      JSON.stringify({
        boards: [
          { id: 'global', title: 'Everyone', windows: [{ kind: 'week', zone: 'UTC' }] },
          { id: 'coins', operator: 'increment', windows: [{ kind: 'day', zone: 'UTC' }] },
        ],
      }),
    );
    server = await startTestServer({ BOARDS_FILE: file });
    const { boards } = await admin(server).admin.listBoards.query();
    expect(boards.map((b) => [b.id, b.title, b.windows.map((w) => w.kind)])).toEqual([
      ['coins', 'coins', ['all', 'day']],
      ['global', 'Everyone', ['all', 'week']],
    ]);
    const revisions = () => server!.query('select id, revision from boards order by id');
    const before = revisions();

    const dir = server.dir;
    await server.app.close();
    server = await startTestServer({ BOARDS_FILE: file }, dir);
    expect(revisions()).toEqual(before);
    expect((await admin(server).admin.listBoards.query()).boards).toEqual(boards);
  });
});
