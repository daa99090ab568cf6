import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOARD_FILE_MAX_BOARDS, parseBoardFile, readBoardFile } from '../../server/boards/board-file.js';

const dir = mkdtempSync(join(tmpdir(), 'scoreboard-boards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one line a file with these boards is refused with (or undefined when it is accepted). */
function refusal(boards: unknown[]): string | undefined {
  try {
    parseBoardFile('boards.json', JSON.stringify({ boards }));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the board file', () => {
  it('fills in every default and spells zones and weekdays as the server keeps them', () => {
    const file = parseBoardFile(
      'boards.json',
      JSON.stringify({
        boards: [
          { id: 'global', title: 'Everyone', windows: [{ kind: 'week', zone: 'europe/berlin' }] },
          { id: 'daily', operator: 'increment', windows: [{ kind: 'day', zone: 'UTC' }] },
          {
            id: 'race',
            order: 'asc',
            operator: 'best',
            rules: { min: 1000, max: 600000 },
            windows: [{ kind: 'week', zone: 'America/New_York', week_starts_on: 'sunday' }, { kind: 'all' }],
          },
        ],
      }),
    );
    expect(file.source).toBe('boards.json');
    expect(file.global).toEqual({
      id: 'global',
      title: 'Everyone',
      windows: [{ kind: 'week', zone: 'europe/berlin', week_starts_on: 1 }],
    });
    expect(file.boards).toEqual([
      {
        id: 'daily',
        order: 'desc',
        operator: 'increment',
        rules: { min: 0, max: Number.MAX_SAFE_INTEGER, decrease: 'never' },
        windows: [{ kind: 'day', zone: 'UTC' }],
      },
      {
        id: 'race',
        order: 'asc',
        operator: 'best',
        rules: { min: 1000, max: 600000, decrease: 'never' },
        windows: [{ kind: 'week', zone: 'America/New_York', week_starts_on: 7 }, { kind: 'all' }],
      },
    ]);
  });

  it('accepts a file with no boards, and a file that declares only global', () => {
    expect(parseBoardFile('b.json', '{"boards": []}')).toEqual({
      source: 'b.json',
      global: undefined,
      boards: [],
    });
    expect(parseBoardFile('b.json', '\uFEFF{"boards": [{"id": "global"}]}').global).toEqual({
      id: 'global',
      windows: [],
    });
  });

  it.each([
    [
      'a zone that is no IANA name',
      [{ id: 'daily', windows: [{ kind: 'all' }, { kind: 'day', zone: 'Europe/Berln' }] }],
      'BOARDS_FILE boards.json: board "daily" windows[1].zone: "Europe/Berln" is not an IANA time zone, e.g. "Europe/Berlin"',
    ],
    [
      'an unknown field of a board',
      [{ id: 'daily', colour: 'red' }],
      'BOARDS_FILE boards.json: board "daily" unknown field "colour" (allowed: id, title, order, operator, rules, windows)',
    ],
    [
      'an unknown field of the rules',
      [{ id: 'daily', rules: { maximum: 5 } }],
      'BOARDS_FILE boards.json: board "daily" rules: unknown field "maximum" (allowed: min, max, max_change, decrease)',
    ],
    [
      'an unknown field of a window',
      [{ id: 'daily', windows: [{ kind: 'day', zone: 'UTC', starts: 3 }] }],
      'BOARDS_FILE boards.json: board "daily" windows[0]: unknown field "starts" (allowed: kind, zone)',
    ],
    [
      'an id that is not a slug (the board is named by its place)',
      [{ id: 'ok' }, { id: 'Daily Race' }],
      'BOARDS_FILE boards.json: boards[1] id: "Daily Race" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
    ],
    [
      'a board without an id',
      [{ title: 'Daily' }],
      'BOARDS_FILE boards.json: boards[0] id: must be a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
    ],
    [
      'a weekday that is none',
      [{ id: 'weekly', windows: [{ kind: 'week', zone: 'UTC', week_starts_on: 'sundy' }] }],
      'BOARDS_FILE boards.json: board "weekly" windows[0].week_starts_on: must be a weekday from 1 (Monday) to 7 (Sunday), or its lowercase name, e.g. "monday"',
    ],
    [
      'a weekday number out of range',
      [{ id: 'weekly', windows: [{ kind: 'week', zone: 'UTC', week_starts_on: 0 }] }],
      'BOARDS_FILE boards.json: board "weekly" windows[0].week_starts_on: must be a weekday from 1 (Monday) to 7 (Sunday), or its lowercase name, e.g. "monday"',
    ],
    [
      'a kind of window listed twice',
      [
        {
          id: 'daily',
          windows: [
            { kind: 'day', zone: 'UTC' },
            { kind: 'day', zone: 'Europe/Paris' },
          ],
        },
      ],
      'BOARDS_FILE boards.json: board "daily" windows[1].kind: "day" is listed twice; a board has each kind of window at most once',
    ],
    [
      'a kind of window that does not exist',
      [{ id: 'daily', windows: [{ kind: 'hour', zone: 'UTC' }] }],
      'BOARDS_FILE boards.json: board "daily" windows[0].kind: must be one of all, day, week, month, season',
    ],
    [
      'season starts out of order',
      [{ id: 'cup', windows: [{ kind: 'season', zone: 'UTC', season_starts: [2000, 1000] }] }],
      'BOARDS_FILE boards.json: board "cup" windows[0].season_starts: season starts must be whole epoch milliseconds in strictly ascending order',
    ],
    [
      'two boards with one id',
      [{ id: 'daily' }, { id: 'weekly' }, { id: 'daily', title: 'Again' }],
      'BOARDS_FILE boards.json: board "daily" id: is declared twice, as boards[0] and boards[2]',
    ],
    [
      'an operator that does not exist',
      [{ id: 'daily', operator: 'sum' }],
      'BOARDS_FILE boards.json: board "daily" operator: Invalid option: expected one of "total"|"best"|"latest"|"increment"',
    ],
    [
      'max_change on a best board',
      [{ id: 'race', operator: 'best', rules: { max_change: 10 } }],
      `BOARDS_FILE boards.json: board "race" rules.max_change: applies to the operators total and increment only; this board's operator, best, takes any value from min to max`,
    ],
    [
      'decrease on an increment board',
      [{ id: 'coins', operator: 'increment', rules: { decrease: 'always' } }],
      `BOARDS_FILE boards.json: board "coins" rules.decrease: applies to the operator total only; this board's operator, increment, has no decrease to allow`,
    ],
    [
      'a minimum above the maximum',
      [{ id: 'daily', rules: { min: 10, max: 5 } }],
      'BOARDS_FILE boards.json: board "daily" rules.max: must be at least min',
    ],
    [
      "rules for global (they are the environment's)",
      [{ id: 'global', rules: { max: 5 } }],
      'BOARDS_FILE boards.json: board "global" rules: the board global takes no rules here: its rules come from SCORE_MAX, SCORE_MAX_GAIN and SCORE_ALLOW_DECREASE; declare only its title and windows',
    ],
    [
      'another order for global',
      [{ id: 'global', order: 'asc' }],
      'BOARDS_FILE boards.json: board "global" order: the board global is desc (higher is better); its rules come from SCORE_MAX, SCORE_MAX_GAIN and SCORE_ALLOW_DECREASE; declare only its title and windows',
    ],
    [
      'another operator for global',
      [{ id: 'global', operator: 'best' }],
      'BOARDS_FILE boards.json: board "global" operator: the board global is a total; its rules come from SCORE_MAX, SCORE_MAX_GAIN and SCORE_ALLOW_DECREASE; declare only its title and windows',
    ],
    [
      'a bad zone on global',
      [{ id: 'global', windows: [{ kind: 'week', zone: 'Mars/Olympus' }] }],
      'BOARDS_FILE boards.json: board "global" windows[0].zone: "Mars/Olympus" is not an IANA time zone, e.g. "Europe/Berlin"',
    ],
    [
      'global declared twice',
      [{ id: 'global' }, { id: 'global' }],
      'BOARDS_FILE boards.json: board "global" id: is declared twice',
    ],
    [
      'a board that is no object',
      [42],
      'BOARDS_FILE boards.json: boards[0] Invalid input: expected object, received number',
    ],
  ])('refuses %s with one line naming the board and the field', (_, boards, line) => {
    expect(refusal(boards)).toBe(line);
  });

  it('takes global as declared: its own order and operator may be written out', () => {
    expect(refusal([{ id: 'global', order: 'desc', operator: 'total' }])).toBeUndefined();
  });

  it('refuses what is not a board file, in one line', () => {
    const line = (text: string) => {
      try {
        parseBoardFile('b.json', text);
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(line('{"boards": [')).toMatch(/^BOARDS_FILE b\.json: is not valid JSON \(.+\)$/);
    expect(line('[]')).toBe(
      'BOARDS_FILE b.json: expects {"boards": [...]}: Invalid input: expected object, received array',
    );
    expect(line('{"board": []}')).toBe(
      'BOARDS_FILE b.json: expects {"boards": [...]}: unknown field "board" (allowed: boards)',
    );
    expect(line('{}')).toBe('BOARDS_FILE b.json: boards: expects a list of boards: {"boards": [...]}');
    const many = JSON.stringify({
      boards: Array.from({ length: BOARD_FILE_MAX_BOARDS + 1 }, (_, i) => ({ id: `b${i}` })),
    });
    expect(line(many)).toBe(
      'BOARDS_FILE b.json: boards: more than 1000 boards; a file holds at most that many',
    );
  });

  it('reads the file, refusing one larger than 1 MiB or one it cannot read', () => {
    const path = join(dir, 'boards.json');
    writeFileSync(path, JSON.stringify({ boards: [{ id: 'daily' }] }));
    expect(readBoardFile(path).boards.map((b) => b.id)).toEqual(['daily']);

    const large = join(dir, 'large.json');
    writeFileSync(large, `{"boards": []}${' '.repeat(1024 * 1024)}`);
    expect(() => readBoardFile(large)).toThrow(`BOARDS_FILE ${large}: is larger than 1 MiB`);
    expect(() => readBoardFile(join(dir, 'missing.json'))).toThrow(
      `BOARDS_FILE ${join(dir, 'missing.json')}: cannot be read (ENOENT)`,
    );
    expect(() => readBoardFile(dir)).toThrow(`BOARDS_FILE ${dir}: cannot be read (EISDIR)`);
  });
});
