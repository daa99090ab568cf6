import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Weekday,
  type WindowSpec,
  nextReset,
  previousWindow,
  windowAt,
  windowContains,
} from '../../server/domain/board-window.js';

// Zones with every kind of oddity: 30-minute DST (Lord Howe), :45 offsets (Kathmandu, Chatham),
// midnight skipped or doubled (Santiago, Havana), a skipped date (Apia), negative DST (Dublin),
// DST paused for Ramadan (Casablanca), and none at all (UTC).
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'Pacific/Auckland',
  'America/Santiago',
  'America/Havana',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Europe/Dublin',
  'Africa/Casablanca',
  'America/St_Johns',
];
const FROM = Date.UTC(1900, 0, 1);
const TO = Date.UTC(2100, 0, 1);

const zone = fc.constantFrom(...ZONES);
const spec: fc.Arbitrary<WindowSpec> = fc.oneof(
  fc.constant({ kind: 'all' as const }),
  zone.map((zone) => ({ kind: 'day' as const, zone })),
  fc
    .tuple(zone, fc.integer({ min: 1, max: 7 }))
    .map(([zone, weekStartsOn]) => ({ kind: 'week' as const, zone, weekStartsOn: weekStartsOn as Weekday })),
  zone.map((zone) => ({ kind: 'month' as const, zone })),
  fc
    .uniqueArray(fc.integer({ min: FROM, max: TO }), { maxLength: 20 })
    .map((starts) => ({ kind: 'season' as const, zone: 'UTC', seasons: starts.sort((a, b) => a - b) })),
);
// Half the instants fall within two days of a daylight-saving change that the unit tests name.
const CHANGES = [
  '2026-03-29T01:00Z',
  '2026-10-25T01:00Z',
  '2026-04-04T14:00Z',
  '2026-09-26T14:00Z',
  '2026-09-06T04:00Z',
  '2026-03-08T05:00Z',
  '2026-11-01T05:00Z',
  '2011-12-30T10:00Z',
].map(Date.parse);
const instant = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc
    .tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }))
    .map(([change, offset]) => change + offset),
);

describe('board windows, for any schedule and instant', () => {
  it('hold the instant, start inclusive and end exclusive, and name the next reset as their end', () => {
    fc.assert(
      fc.property(spec, instant, (spec, t) => {
        const window = windowAt(spec, t);
        expect(windowContains(window, t)).toBe(true);
        expect(window.startMs === null || window.startMs <= t).toBe(true);
        expect(window.endMs === null || t < window.endMs).toBe(true);
        expect(nextReset(spec, t)).toBe(window.endMs);
      }),
      { numRuns: 500 },
    );
  });

  it('tile the timeline: the next window starts where one ends, and steps back to it', () => {
    fc.assert(
      fc.property(spec, instant, (spec, t) => {
        const window = windowAt(spec, t);
        if (window.endMs !== null) {
          const next = windowAt(spec, window.endMs);
          expect(next.startMs).toBe(window.endMs);
          expect(previousWindow(spec, next)).toEqual(window);
        }
        if (window.startMs !== null) expect(windowAt(spec, window.startMs - 1).endMs).toBe(window.startMs);
      }),
      { numRuns: 500 },
    );
  });

  it('give every instant of one window the same key, and different windows different keys', () => {
    fc.assert(
      fc.property(spec, instant, fc.integer({ min: 0, max: 40 * 86_400_000 }), (spec, t, gap) => {
        const window = windowAt(spec, t);
        const other = windowAt(spec, t + gap);
        expect(other.key === window.key).toBe(other.startMs === window.startMs);
        expect(other.key === window.key).toBe(other.endMs === window.endMs);
        if (window.startMs !== null) expect(windowAt(spec, window.startMs)).toEqual(window);
        if (window.endMs !== null) expect(windowAt(spec, window.endMs - 1)).toEqual(window);
      }),
      { numRuns: 500 },
    );
  });
});
