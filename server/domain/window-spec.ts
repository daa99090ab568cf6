import { Temporal } from 'temporal-polyfill';
import type { Weekday, WindowSpec } from './board-window.js';

/** A window schedule as a board file or an admin call gives it, before it is checked. */
export type WindowSpecInput =
  | Exclude<WindowSpec, { kind: 'week' }>
  | { readonly kind: 'week'; readonly zone: string; readonly weekStartsOn: number };

/** What is wrong with a schedule: the field, and a sentence for the one line a refusal prints. */
export interface WindowSpecProblem {
  readonly field: 'kind' | 'zone' | 'weekStartsOn' | 'seasons';
  readonly message: string;
}

/** The checked schedule, with its zone spelled as the time zone database spells it. */
export type ParsedWindowSpec = { ok: true; spec: WindowSpec } | { ok: false; problem: WindowSpecProblem };

// IANA names start with a letter ("Europe/Berlin", "Etc/GMT+5", "UTC"). Temporal would also take
// a UTC offset or a whole ISO date-time with a zone in brackets, which no board means.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/** The zone's name as the time zone database spells it, or undefined when Node's ICU does not know it. */
export function canonicalZone(zone: string): string | undefined {
  // A schedule from JSON may carry anything where the zone belongs.
  if (typeof zone !== 'string' || !ZONE_NAME.test(zone)) return undefined;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone).timeZoneId;
  } catch {
    return undefined;
  }
}

const ZONED_KINDS: ReadonlySet<string> = new Set(['day', 'week', 'month', 'season']);

/**
 * Checks a schedule once, where it enters (board file, admin call, database row). The input
 * may come from JSON that no schema has typed: every field is checked for what it is.
 */
export function parseWindowSpec(input: WindowSpecInput): ParsedWindowSpec {
  if (input.kind === 'all') return { ok: true, spec: { kind: 'all' } };
  // Before the zone: a schedule of no known kind has no zone to speak of.
  if (!ZONED_KINDS.has(input.kind)) return unknownKind(input.kind);
  const zone = canonicalZone(input.zone);
  if (zone === undefined)
    return fail('zone', `${JSON.stringify(input.zone)} is not an IANA time zone, e.g. "Europe/Berlin"`);
  switch (input.kind) {
    case 'day':
    case 'month':
      return { ok: true, spec: { kind: input.kind, zone } };
    case 'week':
      return isWeekday(input.weekStartsOn)
        ? { ok: true, spec: { kind: 'week', zone, weekStartsOn: input.weekStartsOn } }
        : fail(
            'weekStartsOn',
            `must be an ISO weekday from 1 (Monday) to 7 (Sunday), not ${input.weekStartsOn}`,
          );
    case 'season':
      return Array.isArray(input.seasons) &&
        input.seasons.every(
          (start, i) => Number.isSafeInteger(start) && (i === 0 || input.seasons[i - 1]! < start),
        )
        ? { ok: true, spec: { kind: 'season', zone, seasons: [...input.seasons] } }
        : fail('seasons', 'season starts must be whole epoch milliseconds in strictly ascending order');
    default:
      return unknownKind((input as { kind: unknown }).kind);
  }
}

function unknownKind(kind: unknown): ParsedWindowSpec {
  return fail('kind', `${JSON.stringify(kind)} is not a kind of window (all, day, week, month, season)`);
}

function isWeekday(day: number): day is Weekday {
  return Number.isInteger(day) && day >= 1 && day <= 7;
}

function fail(field: WindowSpecProblem['field'], message: string): ParsedWindowSpec {
  return { ok: false, problem: { field, message } };
}
