import { describe, expect, it } from 'vitest';
import {
  type Weekday,
  type WindowSpec,
  nextReset,
  previousWindow,
  windowAt,
} from '../../server/domain/board-window.js';
import { at, hours, view } from './window-helpers.js';

const day = (zone: string): WindowSpec => ({ kind: 'day', zone });
const week = (zone: string, weekStartsOn: Weekday): WindowSpec => ({ kind: 'week', zone, weekStartsOn });
const month = (zone: string): WindowSpec => ({ kind: 'month', zone });

describe('day windows across daylight-saving changes', () => {
  it('makes Europe/Berlin 2026-03-29 a 23-hour day, clocks jumping 02:00 to 03:00', () => {
    for (const instant of [
      '2026-03-29T00:00+01:00',
      '2026-03-29T01:59:59.999+01:00',
      '2026-03-29T03:00+02:00',
    ]) {
      expect(view(windowAt(day('Europe/Berlin'), at(instant)))).toEqual({
        key: 'day:2026-03-29',
        start: '2026-03-28T23:00:00.000Z',
        end: '2026-03-29T22:00:00.000Z',
      });
    }
    expect(hours(windowAt(day('Europe/Berlin'), at('2026-03-29T12:00+02:00')))).toBe(23);
    expect(windowAt(day('Europe/Berlin'), at('2026-03-28T23:59:59.999+01:00')).key).toBe('day:2026-03-28');
  });

  it('makes Europe/Berlin 2026-10-25 a 25-hour day, with both 02:30s in it', () => {
    const expected = {
      key: 'day:2026-10-25',
      start: '2026-10-24T22:00:00.000Z',
      end: '2026-10-25T23:00:00.000Z',
    };
    expect(view(windowAt(day('Europe/Berlin'), at('2026-10-25T02:30+02:00')))).toEqual(expected);
    expect(view(windowAt(day('Europe/Berlin'), at('2026-10-25T02:30+01:00')))).toEqual(expected);
    expect(hours(windowAt(day('Europe/Berlin'), at('2026-10-25T12:00+01:00')))).toBe(25);
  });

  it("makes Pacific/Auckland's 2026-04-05 25 hours and 2026-09-27 23 hours", () => {
    const april = windowAt(day('Pacific/Auckland'), at('2026-04-04T11:30Z'));
    expect(view(april)).toEqual({
      key: 'day:2026-04-05',
      start: '2026-04-04T11:00:00.000Z',
      end: '2026-04-05T12:00:00.000Z',
    });
    expect(hours(april)).toBe(25);
    const september = windowAt(day('Pacific/Auckland'), at('2026-09-27T12:00+13:00'));
    expect(view(september)).toEqual({
      key: 'day:2026-09-27',
      start: '2026-09-26T12:00:00.000Z',
      end: '2026-09-27T11:00:00.000Z',
    });
    expect(hours(september)).toBe(23);
  });

  it('starts a day whose midnight is skipped at its first instant (America/Santiago, America/Havana)', () => {
    const santiago = windowAt(day('America/Santiago'), at('2026-09-06T12:00-03:00'));
    expect(view(santiago)).toEqual({
      key: 'day:2026-09-06',
      start: '2026-09-06T04:00:00.000Z', // 01:00 -03:00: 00:00 never happened
      end: '2026-09-07T03:00:00.000Z',
    });
    expect(hours(santiago)).toBe(23);
    expect(view(windowAt(day('America/Santiago'), at('2026-09-06T03:59:59.999Z')))).toEqual({
      key: 'day:2026-09-05',
      start: '2026-09-05T04:00:00.000Z',
      end: '2026-09-06T04:00:00.000Z',
    });
    const havana = windowAt(day('America/Havana'), at('2026-03-08T12:00-04:00'));
    expect(view(havana)).toEqual({
      key: 'day:2026-03-08',
      start: '2026-03-08T05:00:00.000Z',
      end: '2026-03-09T04:00:00.000Z',
    });
  });

  it('starts a day whose midnight happens twice at the first one (America/Havana 2026-11-01)', () => {
    const expected = {
      key: 'day:2026-11-01',
      start: '2026-11-01T04:00:00.000Z',
      end: '2026-11-02T05:00:00.000Z',
    };
    expect(view(windowAt(day('America/Havana'), at('2026-11-01T00:30-04:00')))).toEqual(expected);
    expect(view(windowAt(day('America/Havana'), at('2026-11-01T00:30-05:00')))).toEqual(expected);
    expect(windowAt(day('America/Havana'), at('2026-11-01T03:59:59.999Z')).key).toBe('day:2026-10-31');
  });

  it('goes from 2011-12-29 straight to 2011-12-31 where Pacific/Apia skipped a date', () => {
    const before = windowAt(day('Pacific/Apia'), at('2011-12-29T12:00-10:00'));
    expect(view(before)).toEqual({
      key: 'day:2011-12-29',
      start: '2011-12-29T10:00:00.000Z',
      end: '2011-12-30T10:00:00.000Z',
    });
    expect(view(windowAt(day('Pacific/Apia'), before.endMs!))).toEqual({
      key: 'day:2011-12-31',
      start: '2011-12-30T10:00:00.000Z',
      end: '2011-12-31T10:00:00.000Z',
    });
  });
});

describe('week windows', () => {
  // Wednesday 2026-03-25: the week that holds it starts on this date for each first weekday.
  const starts: [Weekday, string][] = [
    [1, '2026-03-23'],
    [2, '2026-03-24'],
    [3, '2026-03-25'],
    [4, '2026-03-19'],
    [5, '2026-03-20'],
    [6, '2026-03-21'],
    [7, '2026-03-22'],
  ];
  it.each(starts)('starts a week on ISO weekday %i at 00:00 of that weekday (%s)', (weekStartsOn, first) => {
    const spec = week('UTC', weekStartsOn);
    const window = windowAt(spec, at('2026-03-25T12:00Z'));
    expect(view(window)).toEqual({
      key: `week:${first}`,
      start: `${first}T00:00:00.000Z`,
      end: new Date(at(`${first}T00:00Z`) + 7 * 86_400_000).toISOString(),
    });
    expect(new Date(window.startMs!).getUTCDay() || 7).toBe(weekStartsOn);
    expect(windowAt(spec, window.startMs! - 1).endMs).toBe(window.startMs);
  });

  it('makes the Monday week of a daylight-saving change 167 or 169 hours long (Europe/Berlin)', () => {
    const march = windowAt(week('Europe/Berlin', 1), at('2026-03-29T12:00+02:00'));
    expect(view(march)).toEqual({
      key: 'week:2026-03-23',
      start: '2026-03-22T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
    });
    expect(hours(march)).toBe(167);
    expect(hours(windowAt(week('Europe/Berlin', 1), at('2026-10-25T12:00+01:00')))).toBe(169);
    expect(hours(windowAt(week('Pacific/Auckland', 1), at('2026-04-05T12:00+12:00')))).toBe(169);
  });

  it('runs a week across the new year', () => {
    expect(view(windowAt(week('Europe/Berlin', 1), at('2026-01-01T12:00+01:00')))).toEqual({
      key: 'week:2025-12-29',
      start: '2025-12-28T23:00:00.000Z',
      end: '2026-01-04T23:00:00.000Z',
    });
    expect(windowAt(week('UTC', 7), at('2027-01-01T12:00Z')).key).toBe('week:2026-12-27');
  });
});

describe('month windows', () => {
  it('ends January at the last instant of Jan 31 and starts February at Feb 1', () => {
    expect(view(windowAt(month('Europe/Berlin'), at('2026-01-31T23:59:59.999+01:00')))).toEqual({
      key: 'month:2026-01',
      start: '2025-12-31T23:00:00.000Z',
      end: '2026-01-31T23:00:00.000Z',
    });
    expect(windowAt(month('Europe/Berlin'), at('2026-02-01T00:00+01:00')).key).toBe('month:2026-02');
  });

  it('makes February 28 days in 2026 and 29 in 2028, 28 again in 2100', () => {
    const february2026 = windowAt(month('Europe/Berlin'), at('2026-02-15T12:00+01:00'));
    expect(hours(february2026)).toBe(28 * 24);
    expect(windowAt(day('Europe/Berlin'), february2026.endMs!).key).toBe('day:2026-03-01');
    expect(hours(windowAt(month('Europe/Berlin'), at('2028-02-15T12:00+01:00')))).toBe(29 * 24);
    expect(hours(windowAt(month('UTC'), at('2100-02-15T12:00Z')))).toBe(28 * 24);
  });

  it('has a window for the leap day 2028-02-29, between Feb 28 and Mar 1', () => {
    const leapDay = windowAt(day('Europe/Berlin'), at('2028-02-29T12:00+01:00'));
    expect(view(leapDay)).toEqual({
      key: 'day:2028-02-29',
      start: '2028-02-28T23:00:00.000Z',
      end: '2028-02-29T23:00:00.000Z',
    });
    expect(previousWindow(day('Europe/Berlin'), leapDay)?.key).toBe('day:2028-02-28');
    expect(windowAt(day('Europe/Berlin'), leapDay.endMs!).key).toBe('day:2028-03-01');
  });

  it('makes the months of the changes 743 and 745 hours long, and starts the year in the zone', () => {
    expect(hours(windowAt(month('Europe/Berlin'), at('2026-03-15T12:00+01:00')))).toBe(743);
    expect(hours(windowAt(month('Europe/Berlin'), at('2026-10-15T12:00+02:00')))).toBe(745);
    expect(view(windowAt(month('Pacific/Auckland'), at('2026-12-31T11:00Z')))).toEqual({
      key: 'month:2027-01',
      start: '2026-12-31T11:00:00.000Z',
      end: '2027-01-31T11:00:00.000Z',
    });
  });
});

describe('season and all windows', () => {
  const starts = [at('2026-01-01T00:00Z'), at('2026-04-01T15:00Z'), at('2026-07-01T00:00Z')];
  const seasons: WindowSpec = { kind: 'season', zone: 'UTC', seasons: starts };

  it('counts the time before the first season as season 0, with no start', () => {
    const zero = windowAt(seasons, at('2025-06-01T00:00Z'));
    expect(view(zero)).toEqual({ key: 'season:0', start: null, end: '2026-01-01T00:00:00.000Z' });
    expect(previousWindow(seasons, zero)).toBeNull();
    expect(view(windowAt({ kind: 'season', zone: 'UTC', seasons: [] }, 0))).toEqual({
      key: 'season:0',
      start: null,
      end: null,
    });
  });

  it('starts season n at its start instant and ends it only when season n + 1 starts', () => {
    expect(windowAt(seasons, starts[1]! - 1).key).toBe('season:1');
    const second = windowAt(seasons, starts[1]!);
    expect(view(second)).toEqual({
      key: 'season:2',
      start: '2026-04-01T15:00:00.000Z',
      end: '2026-07-01T00:00:00.000Z',
    });
    expect(previousWindow(seasons, second)?.key).toBe('season:1');
    expect(view(windowAt(seasons, at('2030-01-01T00:00Z')))).toEqual({
      key: 'season:3',
      start: '2026-07-01T00:00:00.000Z',
      end: null,
    });
    expect(nextReset(seasons, at('2030-01-01T00:00Z'))).toBeNull();
  });

  it('has one window for all time, with no previous window and no reset', () => {
    const all = windowAt({ kind: 'all' }, at('2026-03-29T12:00Z'));
    expect(all).toEqual({ key: 'all', startMs: null, endMs: null });
    expect(previousWindow({ kind: 'all' }, all)).toBeNull();
    expect(nextReset({ kind: 'all' }, 0)).toBeNull();
  });
});

describe('previous windows and resets', () => {
  it('names the next reset as the end of the window in force', () => {
    expect(nextReset(day('Europe/Berlin'), at('2026-03-29T12:00+02:00'))).toBe(at('2026-03-30T00:00+02:00'));
    expect(nextReset(week('Europe/Berlin', 1), at('2026-03-29T12:00+02:00'))).toBe(
      at('2026-03-30T00:00+02:00'),
    );
    expect(nextReset(month('Pacific/Auckland'), at('2026-09-27T12:00+13:00'))).toBe(
      at('2026-10-01T00:00+13:00'),
    );
  });

  it('steps back over a 23-hour day and a short month', () => {
    expect(
      view(
        previousWindow(day('Europe/Berlin'), windowAt(day('Europe/Berlin'), at('2026-03-30T12:00+02:00'))),
      ),
    ).toEqual({
      key: 'day:2026-03-29',
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
    });
    const march = windowAt(month('Europe/Berlin'), at('2026-03-01T00:00+01:00'));
    expect(previousWindow(month('Europe/Berlin'), march)?.key).toBe('month:2026-02');
  });
});
