import { describe, expect, it } from 'vitest';
import { windowAt } from '../../server/domain/board-window.js';
import { canonicalZone, parseWindowSpec, type WindowSpecInput } from '../../server/domain/window-spec.js';

describe('window schedules', () => {
  it('accepts IANA zones and spells them as the time zone database does', () => {
    expect(parseWindowSpec({ kind: 'day', zone: 'europe/berlin' })).toEqual({
      ok: true,
      spec: { kind: 'day', zone: 'Europe/Berlin' },
    });
    expect(canonicalZone('UTC')).toBe('UTC');
    expect(canonicalZone('Etc/GMT+5')).toBe('Etc/GMT+5');
    expect(canonicalZone('America/Port-au-Prince')).toBe('America/Port-au-Prince');
  });

  it.each([
    ['an unknown zone', 'Mars/Olympus'],
    ['an empty name', ''],
    ['a UTC offset', '+01:00'],
    ['a date-time that carries a zone', '2026-01-01T00:00Z[Europe/Berlin]'],
  ])('refuses %s, naming the field', (_, zone) => {
    expect(parseWindowSpec({ kind: 'month', zone })).toEqual({
      ok: false,
      problem: {
        field: 'zone',
        message: `${JSON.stringify(zone)} is not an IANA time zone, e.g. "Europe/Berlin"`,
      },
    });
  });

  it('takes a week start from 1 (Monday) to 7 (Sunday) only', () => {
    for (const weekStartsOn of [1, 7])
      expect(parseWindowSpec({ kind: 'week', zone: 'UTC', weekStartsOn }).ok).toBe(true);
    for (const weekStartsOn of [0, 8, 1.5, Number.NaN])
      expect(parseWindowSpec({ kind: 'week', zone: 'UTC', weekStartsOn })).toEqual({
        ok: false,
        problem: {
          field: 'weekStartsOn',
          message: `must be an ISO weekday from 1 (Monday) to 7 (Sunday), not ${weekStartsOn}`,
        },
      });
  });

  it('takes season starts only as whole milliseconds in strictly ascending order', () => {
    expect(parseWindowSpec({ kind: 'season', zone: 'UTC', seasons: [] }).ok).toBe(true);
    expect(parseWindowSpec({ kind: 'season', zone: 'UTC', seasons: [1, 2, 30] }).ok).toBe(true);
    for (const seasons of [[2, 1], [1, 1], [1.5], [Number.POSITIVE_INFINITY]])
      expect(parseWindowSpec({ kind: 'season', zone: 'UTC', seasons })).toEqual({
        ok: false,
        problem: {
          field: 'seasons',
          message: 'season starts must be whole epoch milliseconds in strictly ascending order',
        },
      });
  });

  it('refuses what JSON may carry that no schema typed: an unknown kind, a zone or seasons of another type', () => {
    const unchecked = (input: unknown) => parseWindowSpec(input as WindowSpecInput);
    expect(unchecked({ kind: 'hour', zone: 'UTC' })).toEqual({
      ok: false,
      problem: { field: 'kind', message: '"hour" is not a kind of window (all, day, week, month, season)' },
    });
    expect(unchecked({ kind: 'day', zone: ['Europe/Berlin'] })).toMatchObject({
      ok: false,
      problem: { field: 'zone' },
    });
    for (const seasons of [{ length: 1, 0: 5 }, '12', null])
      expect(unchecked({ kind: 'season', zone: 'UTC', seasons })).toMatchObject({
        ok: false,
        problem: { field: 'seasons' },
      });
  });

  it('fails clearly, naming the zone, when an unchecked schedule reaches windowAt', () => {
    expect(() => windowAt({ kind: 'day', zone: 'Mars/Olympus' }, 0)).toThrow(
      'Board window: unknown time zone "Mars/Olympus" or instant 0',
    );
  });
});
