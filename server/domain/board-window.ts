import { Temporal } from 'temporal-polyfill';

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * The schedule of one of a board's windows. Zones are IANA names that parseWindowSpec has
 * checked. A season's zone only places the dates that a read names; `seasons` are the start
 * instants (epoch ms, ascending) of seasons 1, 2, 3, ...
 */
export type WindowSpec =
  | { readonly kind: 'all' }
  | { readonly kind: 'day'; readonly zone: string }
  | { readonly kind: 'week'; readonly zone: string; readonly weekStartsOn: Weekday }
  | { readonly kind: 'month'; readonly zone: string }
  | { readonly kind: 'season'; readonly zone: string; readonly seasons: readonly number[] };

/** One window: from startMs (inclusive) to endMs (exclusive), epoch ms; null is an open end. */
export interface BoardWindow {
  /** Stable across instances and releases: `all`, `day:2026-03-29`, `week:2026-03-23`, `month:2026-02`, `season:3`. */
  readonly key: string;
  readonly startMs: number | null;
  readonly endMs: number | null;
}

type CalendarSpec = Extract<WindowSpec, { kind: 'day' | 'week' | 'month' }>;

/** The window of `spec` that contains the instant. Every instant is in exactly one. */
export function windowAt(spec: WindowSpec, instantMs: number): BoardWindow {
  switch (spec.kind) {
    case 'all':
      return { key: 'all', startMs: null, endMs: null };
    case 'season':
      return seasonAt(spec.seasons, instantMs);
    default:
      return calendarWindowAt(spec, instantMs);
  }
}

/** The window just before this one, or null when it starts at the beginning of time. */
export function previousWindow(spec: WindowSpec, window: BoardWindow): BoardWindow | null {
  return window.startMs === null ? null : windowAt(spec, window.startMs - 1);
}

/** When the window in force at the instant ends; null when no reset is scheduled. */
export function nextReset(spec: WindowSpec, instantMs: number): number | null {
  return windowAt(spec, instantMs).endMs;
}

/**
 * The window a key names (as windowAt made it), or undefined when the key is not one of this
 * schedule's: what a change from another instance, whose clock is ahead, is placed by.
 */
export function windowOfKey(spec: WindowSpec, key: string): BoardWindow | undefined {
  if (spec.kind === 'all') return key === 'all' ? windowAt(spec, 0) : undefined;
  const prefix = `${spec.kind}:`;
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  let instant: number;
  if (spec.kind === 'season') {
    if (!/^\d{1,9}$/.test(rest)) return undefined;
    const n = Number(rest);
    if (n > spec.seasons.length) return undefined;
    instant = n === 0 ? (spec.seasons[0] ?? 0) - 1 : spec.seasons[n - 1]!;
  } else {
    try {
      instant = startOfDate(Temporal.PlainDate.from(spec.kind === 'month' ? `${rest}-01` : rest), spec.zone);
    } catch {
      return undefined;
    }
  }
  const window = windowAt(spec, instant);
  return window.key === key ? window : undefined;
}

/** Whether the instant falls inside the window. */
export function windowContains(window: BoardWindow, instantMs: number): boolean {
  return (
    (window.startMs === null || window.startMs <= instantMs) &&
    (window.endMs === null || instantMs < window.endMs)
  );
}

/** The first instant of a calendar date in a zone: Temporal's start of day, even when midnight is skipped. */
export function startOfDate(date: Temporal.PlainDate, zone: string): number {
  return date.toZonedDateTime(zone).epochMilliseconds;
}

function calendarWindowAt(spec: CalendarSpec, instantMs: number): BoardWindow {
  const first = firstDate(spec, localDate(instantMs, spec.zone));
  const next = first.add(
    spec.kind === 'day' ? { days: 1 } : spec.kind === 'week' ? { weeks: 1 } : { months: 1 },
  );
  const key = spec.kind === 'month' ? first.toPlainYearMonth().toString() : first.toString();
  return {
    key: `${spec.kind}:${key}`,
    startMs: startOfDate(first, spec.zone),
    endMs: startOfDate(next, spec.zone),
  };
}

function firstDate(spec: CalendarSpec, date: Temporal.PlainDate): Temporal.PlainDate {
  switch (spec.kind) {
    case 'day':
      return date;
    case 'week':
      return date.subtract({ days: (date.dayOfWeek - spec.weekStartsOn + 7) % 7 });
    case 'month':
      return date.with({ day: 1 });
  }
}

function localDate(instantMs: number, zone: string): Temporal.PlainDate {
  try {
    return Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(zone).toPlainDate();
  } catch (error) {
    // A spec that skipped parseWindowSpec: say so rather than leak Temporal's message.
    throw new Error(`Board window: unknown time zone ${JSON.stringify(zone)} or instant ${instantMs}`, {
      cause: error,
    });
  }
}

/** Season 0 is the time before the first season starts; season n starts at seasons[n - 1]. */
function seasonAt(seasons: readonly number[], instantMs: number): BoardWindow {
  let low = 0;
  let high = seasons.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (seasons[middle]! <= instantMs) low = middle + 1;
    else high = middle;
  }
  return {
    key: `season:${low}`,
    startMs: low === 0 ? null : seasons[low - 1]!,
    endMs: low === seasons.length ? null : seasons[low]!,
  };
}
