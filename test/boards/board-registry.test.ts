import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBoardFile, readBoardFile, type BoardFile } from '../../server/boards/board-file.js';
import { BoardRegistry, OPEN_BOARDS_MAX } from '../../server/boards/board-registry.js';
import type { Board } from '../../server/domain/board.js';
import type { ScoreRules } from '../../server/domain/score-rules.js';
import type { BoardStoreUnderTest } from '../contracts/board-store.contract.js';
import { openSqliteBoards } from '../helpers/sqlite-boards.js';

const RULES: ScoreRules = { max: 1_000_000, maxGain: 1000, decrease: 'never' };

const file = (...boards: unknown[]): BoardFile => parseBoardFile('boards.json', JSON.stringify({ boards }));

const EXAMPLE = [
  { id: 'global', title: 'Everyone', windows: [{ kind: 'week', zone: 'Europe/Berlin' }] },
  { id: 'race', title: 'Time trial', order: 'asc', operator: 'best', rules: { min: 1000 } },
  { id: 'daily', operator: 'increment', rules: { max_change: 50 }, windows: [{ kind: 'day', zone: 'UTC' }] },
];

let dir: string;
const opened: BoardStoreUnderTest[] = [];

/** The boards of the test's SQLite file, opened anew as a server start would. */
async function boards(): Promise<BoardStoreUnderTest> {
  const handle = await openSqliteBoards(join(dir, 'db.sqlite'));
  opened.push(handle);
  return handle;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-registry-'));
});
afterEach(async () => {
  for (const handle of opened.splice(0)) await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const kinds = (board: Board | undefined) => [...(board?.windows.keys() ?? [])];

describe('the board registry at start', () => {
  it('makes global from the environment when there is no board file', async () => {
    const { store } = await boards();
    const registry = await BoardRegistry.open(store, RULES);
    expect(registry.list()).toEqual([
      {
        id: 'global',
        title: 'global',
        order: 'desc',
        operator: 'total',
        rules: { min: 0, max: 1_000_000, maxChange: 1000, decrease: 'never' },
        windows: new Map([['all', { kind: 'all' }]]),
        archived: false,
      },
    ]);
    expect(await store.list()).toEqual([
      {
        id: 'global',
        definition:
          '{"id":"global","title":"global","order":"desc","operator":"total","windows":[{"kind":"all"}]}',
        archived: false,
        revision: 1,
      },
    ]);
  });

  it('applies the board file once: a second start writes nothing', async () => {
    const first = await boards();
    const registry = await BoardRegistry.open(first.store, RULES, file(...EXAMPLE));
    expect(registry.list().map((b) => b.id)).toEqual(['daily', 'global', 'race']);
    expect(kinds(registry.get('global'))).toEqual(['all', 'week']);
    expect(registry.get('race')).toMatchObject({
      order: 'asc',
      operator: 'best',
      rules: { min: 1000, max: Number.MAX_SAFE_INTEGER, maxChange: null },
    });
    const revision = await first.store.revision();
    expect(revision).toBe(3);
    const stored = await first.store.list();

    const second = await boards();
    const again = await BoardRegistry.open(second.store, RULES, file(...EXAMPLE));
    expect(await second.store.revision()).toBe(revision);
    expect(await second.store.list()).toEqual(stored);
    expect(again.list()).toEqual(registry.list());
  });

  it('writes only the boards the file changed, and keeps the objects of the others', async () => {
    const { store } = await boards();
    const registry = await BoardRegistry.open(store, RULES, file(...EXAMPLE));
    const [daily, race] = [registry.get('daily'), registry.get('race')];
    const changed: string[][] = [];
    registry.onChange((boards) => changed.push(boards.map((b) => b.id)));

    const restart = await boards();
    await BoardRegistry.open(
      restart.store,
      RULES,
      file(EXAMPLE[0], { ...EXAMPLE[1], title: 'Sprint' }, EXAMPLE[2]),
    );
    expect(await store.revision()).toBe(4);
    expect(await registry.refresh()).toBe(true);
    expect(changed).toEqual([['race']]);
    expect(registry.get('race')).not.toBe(race);
    expect(registry.get('race')!.title).toBe('Sprint');
    expect(registry.get('daily')).toBe(daily);
    // Nothing moved since: nothing reloads.
    expect(await registry.refresh()).toBe(false);
    expect(registry.get('race')).toBe(registry.get('race'));
  });

  it("takes global's rules from each start's environment, writing nothing for them", async () => {
    const { store } = await boards();
    await BoardRegistry.open(store, RULES, file(EXAMPLE[0]));
    const revision = await store.revision();
    const restart = await boards();
    const registry = await BoardRegistry.open(restart.store, { max: 500, maxGain: 20, decrease: 'service' });
    expect(registry.get('global')!.rules).toEqual({ min: 0, max: 500, maxChange: 20, decrease: 'service' });
    // A file without global keeps the windows an earlier one gave it.
    expect(kinds(registry.get('global'))).toEqual(['all', 'week']);
    expect(await restart.store.revision()).toBe(revision);
  });

  it('refuses to change the order or operator of a board that has scores, naming the board', async () => {
    const first = await boards();
    await BoardRegistry.open(first.store, RULES, file(EXAMPLE[1]));
    // Without scores, a board may still change what it is.
    await BoardRegistry.open((await boards()).store, RULES, file({ ...EXAMPLE[1], operator: 'latest' }));
    await first.addSubmission('race');

    const restart = await boards();
    await expect(
      BoardRegistry.open(restart.store, RULES, file({ ...EXAMPLE[1], order: 'desc' })),
    ).rejects.toThrow(
      'BOARDS_FILE boards.json: board "race" order: cannot change from asc to desc: the board has scores (declare a board under a new id instead)',
    );
    await expect(
      BoardRegistry.open(restart.store, RULES, file({ ...EXAMPLE[1], operator: 'best' })),
    ).rejects.toThrow(
      'BOARDS_FILE boards.json: board "race" operator: cannot change from latest to best: the board has scores (declare a board under a new id instead)',
    );
    // Nothing was written: the board is as it was.
    const registry = await BoardRegistry.open(restart.store, RULES);
    expect(registry.get('race')).toMatchObject({ order: 'asc', operator: 'latest' });
  });

  it("keeps the database's season starts when the file gives none or fewer, and refuses a list that contradicts them", async () => {
    const season = { id: 'cup', windows: [{ kind: 'season', zone: 'UTC', season_starts: [1000, 2000] }] };
    const { store } = await boards();
    await BoardRegistry.open(store, RULES, file(season));
    const omitted = { id: 'cup', title: 'Cup', windows: [{ kind: 'season', zone: 'UTC' }] };
    const registry = await BoardRegistry.open((await boards()).store, RULES, file(omitted));
    expect(registry.get('cup')!.windows.get('season')).toEqual({
      kind: 'season',
      zone: 'UTC',
      seasons: [1000, 2000],
    });
    expect(registry.get('cup')!.title).toBe('Cup');

    const extended = {
      id: 'cup',
      windows: [{ kind: 'season', zone: 'UTC', season_starts: [1000, 2000, 3000] }],
    };
    const later = await BoardRegistry.open((await boards()).store, RULES, file(extended));
    expect(later.get('cup')!.windows.get('season')).toMatchObject({ seasons: [1000, 2000, 3000] });

    // A file written before seasons were started by admins keeps them.
    const older = { id: 'cup', windows: [{ kind: 'season', zone: 'UTC', season_starts: [1000] }] };
    const kept = await BoardRegistry.open((await boards()).store, RULES, file(older));
    expect(kept.get('cup')!.windows.get('season')).toMatchObject({ seasons: [1000, 2000, 3000] });

    const other = { id: 'cup', windows: [{ kind: 'season', zone: 'UTC', season_starts: [1000, 2500] }] };
    await expect(BoardRegistry.open((await boards()).store, RULES, file(other))).rejects.toThrow(
      'BOARDS_FILE boards.json: board "cup" windows[0].season_starts: the database holds season starts [1000,2000,3000], which this list contradicts (list them first, or leave season_starts out to keep them)',
    );
  });
});

describe('the documented example (boards.example.json)', () => {
  it('is a board file the server serves as docs/boards.md describes it', async () => {
    const example = readBoardFile(fileURLToPath(new URL('../../boards.example.json', import.meta.url)));
    const registry = await BoardRegistry.open((await boards()).store, RULES, example);
    expect(registry.list().map((b) => [b.id, b.order, b.operator, kinds(b)])).toEqual([
      ['daily-coins', 'desc', 'increment', ['all', 'day']],
      ['global', 'desc', 'total', ['all', 'week']],
      ['ranked', 'desc', 'total', ['all', 'season']],
      ['time-trial', 'asc', 'best', ['all', 'day', 'month']],
    ]);
    expect(registry.get('global')!.windows.get('week')).toEqual({
      kind: 'week',
      zone: 'Europe/Berlin',
      weekStartsOn: 1,
    });
    expect(registry.get('ranked')!.rules).toEqual({
      min: 0,
      max: 100_000,
      maxChange: 50,
      decrease: 'service',
    });
    expect(registry.get('ranked')!.windows.get('season')).toEqual({
      kind: 'season',
      zone: 'UTC',
      seasons: [],
    });
  });
});

describe('the board registry at work', () => {
  it('creates a board that another instance sees on refresh, and refuses a taken id', async () => {
    const registry = await BoardRegistry.open((await boards()).store, RULES, file(...EXAMPLE));
    const other = await BoardRegistry.open((await boards()).store, RULES);
    const seen: string[] = [];
    other.onChange((changed) => seen.push(...changed.map((b) => b.id)));

    const created = await registry.create(
      { id: 'monthly', title: 'This month', windows: [{ kind: 'month', zone: 'asia/tokyo' }] },
      'ops',
    );
    expect(created).toEqual({ ok: true, value: registry.get('monthly') });
    expect(registry.get('monthly')!.windows.get('month')).toEqual({ kind: 'month', zone: 'Asia/Tokyo' });
    expect(await other.refresh()).toBe(true);
    expect(seen).toEqual(['monthly']);
    expect(other.get('monthly')).toEqual(registry.get('monthly'));

    for (const id of ['monthly', 'daily']) {
      expect(await other.create({ id }, 'ops')).toEqual({
        ok: false,
        refusal: { kind: 'conflict', status: 409, message: `Board "${id}" already exists` },
      });
    }
    expect(await other.create({ id: 'global' }, 'ops')).toEqual({
      ok: false,
      refusal: {
        kind: 'conflict',
        status: 409,
        message: 'The board global always exists; declare its windows in the board file',
      },
    });
  });

  it(`keeps at most ${OPEN_BOARDS_MAX} boards that are not archived: a new one waits for an archive`, async () => {
    const many = Array.from({ length: OPEN_BOARDS_MAX - 1 }, (_, i) => ({ id: `mode-${i}` }));
    const registry = await BoardRegistry.open((await boards()).store, RULES, file(...many));
    expect(registry.list().filter((board) => !board.archived)).toHaveLength(OPEN_BOARDS_MAX); // and global
    expect(await registry.create({ id: 'one-more' }, 'ops')).toEqual({
      ok: false,
      refusal: {
        kind: 'conflict',
        status: 409,
        message: `There are ${OPEN_BOARDS_MAX} boards that are not archived, the most a server keeps; archive one first`,
      },
    });
    expect(registry.get('one-more')).toBeUndefined();
    expect((await registry.archive('mode-0', 'ops')).ok).toBe(true);
    expect(await registry.create({ id: 'one-more' }, 'ops')).toEqual({
      ok: true,
      value: registry.get('one-more'),
    });
    // A thousand boards written one at a time, as a start applies a file: seconds on this machine.
  }, 120_000);

  it('refuses a definition that is no board, with the field', async () => {
    const registry = await BoardRegistry.open((await boards()).store, RULES);
    const refusal = async (input: unknown) => {
      const result = await registry.create(input, 'ops');
      return result.ok ? undefined : result.refusal;
    };
    expect(await refusal({ id: 'Daily' })).toEqual({
      kind: 'invalid_input',
      status: 400,
      message:
        'id: "Daily" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
    });
    expect(await refusal({ id: 'daily', windows: [{ kind: 'day', zone: 'Nowhere/Town' }] })).toMatchObject({
      message: 'windows[0].zone: "Nowhere/Town" is not an IANA time zone, e.g. "Europe/Berlin"',
    });
    expect(await refusal({ id: 'daily', size: 3 })).toMatchObject({
      message: 'unknown field "size" (allowed: id, title, order, operator, rules, windows)',
    });
    expect(registry.list().map((b) => b.id)).toEqual(['global']);
  });

  it('archives a board: still read, no longer written, and archived after a restart with the file', async () => {
    const { store } = await boards();
    const registry = await BoardRegistry.open(store, RULES, file(...EXAMPLE));
    const daily = registry.get('daily')!;
    expect(registry.writable('daily')).toEqual({ ok: true, value: daily });

    const archived = await registry.archive('daily', 'ops');
    expect(archived).toEqual({ ok: true, value: { ...daily, archived: true } });
    expect(registry.get('daily')!.archived).toBe(true);
    expect(registry.readable('daily')).toEqual({ ok: true, value: registry.get('daily') });
    expect(registry.writable('daily')).toEqual({
      ok: false,
      refusal: {
        kind: 'conflict',
        status: 409,
        message: 'Board "daily" is archived: it can be read, not written',
      },
    });
    const revision = await store.revision();
    expect(await registry.archive('daily', 'ops')).toEqual({ ok: true, value: registry.get('daily') });
    expect(await store.revision()).toBe(revision);

    expect(await registry.archive('nope', 'ops')).toEqual({
      ok: false,
      refusal: { kind: 'not_found', status: 404, message: 'No board "nope"' },
    });
    expect(await registry.archive('global', 'ops')).toEqual({
      ok: false,
      refusal: {
        kind: 'conflict',
        status: 409,
        message: 'The board global cannot be archived: POST /update-score writes it',
      },
    });
    expect(registry.writable('nope')).toEqual({
      ok: false,
      refusal: { kind: 'not_found', status: 404, message: 'No board "nope"' },
    });

    const restart = await BoardRegistry.open((await boards()).store, RULES, file(...EXAMPLE));
    expect(restart.get('daily')!.archived).toBe(true);
    expect(await store.revision()).toBe(revision);
  });
});
