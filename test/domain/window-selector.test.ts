import { describe, expect, it } from 'vitest';
import type { BoardWindow, WindowSpec } from '../../server/domain/board-window.js';
import type { Result } from '../../server/domain/result.js';
import { selectWindow } from '../../server/domain/window-selector.js';
import { at, view } from './window-helpers.js';

const NOW = at('2026-03-29T12:00+02:00'); // a Sunday, the day Berlin moves to summer time
const DAY: WindowSpec = { kind: 'day', zone: 'Europe/Berlin' };
const WEEK: WindowSpec = { kind: 'week', zone: 'Europe/Berlin', weekStartsOn: 1 };
const MONTH: WindowSpec = { kind: 'month', zone: 'Europe/Berlin' };
const SEASONS: WindowSpec = {
  kind: 'season',
  zone: 'Europe/Berlin',
  seasons: [at('2026-01-01T00:00Z'), at('2026-03-10T15:00Z')],
};

const key = (result: Result<BoardWindow>) => (result.ok ? result.value.key : result.refusal);
const refused = (message: string) => ({ kind: 'invalid_input', status: 400, message });

describe('choosing the window a read names', () => {
  it('reads the current window by default, and on "current"', () => {
    expect(key(selectWindow(DAY, undefined, NOW))).toBe('day:2026-03-29');
    expect(key(selectWindow(WEEK, 'current', NOW))).toBe('week:2026-03-23');
    expect(key(selectWindow({ kind: 'all' }, undefined, NOW))).toBe('all');
  });

  it('reads the window before the current one on "previous"', () => {
    expect(key(selectWindow(DAY, 'previous', NOW))).toBe('day:2026-03-28');
    expect(key(selectWindow(MONTH, 'previous', NOW))).toBe('month:2026-02');
    expect(key(selectWindow(SEASONS, 'previous', NOW))).toBe('season:1');
  });

  it('refuses "previous" where nothing came before', () => {
    expect(key(selectWindow({ kind: 'all' }, 'previous', NOW))).toEqual(
      refused('at: there is no window before all'),
    );
    const noSeasonYet: WindowSpec = { kind: 'season', zone: 'UTC', seasons: [] };
    expect(key(selectWindow(noSeasonYet, 'previous', NOW))).toEqual(
      refused('at: there is no window before season:0'),
    );
  });

  it('reads the window that holds a date, in the board zone', () => {
    expect(key(selectWindow(DAY, '2026-03-01', NOW))).toBe('day:2026-03-01');
    expect(key(selectWindow(WEEK, '2026-03-01', NOW))).toBe('week:2026-02-23');
    expect(key(selectWindow(MONTH, '2026-02-28', NOW))).toBe('month:2026-02');
    expect(key(selectWindow(DAY, '2026-03-29', NOW))).toBe('day:2026-03-29');
    const auckland = selectWindow(
      { kind: 'day', zone: 'Pacific/Auckland' },
      '2026-04-05',
      at('2026-05-01T00:00Z'),
    );
    expect(auckland.ok && view(auckland.value)).toEqual({
      key: 'day:2026-04-05',
      start: '2026-04-04T11:00:00.000Z',
      end: '2026-04-05T12:00:00.000Z',
    });
    const santiago = selectWindow(
      { kind: 'day', zone: 'America/Santiago' },
      '2026-09-06',
      at('2026-10-01T00:00Z'),
    );
    expect(santiago.ok && santiago.value.startMs).toBe(at('2026-09-06T01:00-03:00'));
  });

  it('reads a future date inside the current window, and refuses one whose window has not started', () => {
    expect(key(selectWindow(MONTH, '2026-03-31', NOW))).toBe('month:2026-03');
    expect(key(selectWindow(DAY, '2026-03-30', NOW))).toEqual(
      refused('at: the day window of 2026-03-30 has not started yet'),
    );
    expect(key(selectWindow(WEEK, '2026-03-30', NOW))).toEqual(
      refused('at: the week window of 2026-03-30 has not started yet'),
    );
  });

  it('reads the season in force at the first instant of the date', () => {
    expect(key(selectWindow(SEASONS, '2026-03-10', NOW))).toBe('season:1'); // season 2 began at 16:00 that day
    expect(key(selectWindow(SEASONS, '2026-03-11', NOW))).toBe('season:2');
    expect(key(selectWindow(SEASONS, '2025-06-01', NOW))).toBe('season:0');
  });

  it('reads the one window of "all" for any date', () => {
    expect(key(selectWindow({ kind: 'all' }, '1999-12-31', NOW))).toBe('all');
    expect(key(selectWindow({ kind: 'all' }, '2999-01-01', NOW))).toBe('all');
  });

  it.each([
    '2026-02-29',
    '2026-13-01',
    '2026-04-31',
    '2026-3-1',
    '26-03-01',
    'yesterday',
    '2026-03-01T00:00',
    '',
  ])('refuses %j, which is no calendar date', (at) => {
    expect(key(selectWindow(DAY, at, NOW))).toEqual(
      refused('at: must be "current", "previous" or a date YYYY-MM-DD'),
    );
  });
});
