import { Temporal } from 'temporal-polyfill';
import { type BoardWindow, type WindowSpec, previousWindow, startOfDate, windowAt } from './board-window.js';
import { refuse } from './refusal.js';
import type { Result } from './result.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The window a read names: `current` (the default), `previous`, or a date `YYYY-MM-DD` inside
 * a window that has started. `nowMs` is the clock of the instance that answers.
 */
export function selectWindow(spec: WindowSpec, at: string | undefined, nowMs: number): Result<BoardWindow> {
  const current = windowAt(spec, nowMs);
  if (at === undefined || at === 'current') return { ok: true, value: current };
  if (at === 'previous') {
    const previous = previousWindow(spec, current);
    return previous === null
      ? { ok: false, refusal: refuse('invalid_input', `at: there is no window before ${current.key}`) }
      : { ok: true, value: previous };
  }
  return windowContaining(spec, at, nowMs);
}

/**
 * The window that holds the first instant of the date in the board's zone (a day, week or
 * month window holds the whole date; a season that starts during the date does not). Refused
 * when the text is not a calendar date or the window it names has not started at `nowMs`.
 */
export function windowContaining(spec: WindowSpec, date: string, nowMs: number): Result<BoardWindow> {
  const day = DATE.test(date) ? calendarDate(date) : undefined;
  if (day === undefined)
    return {
      ok: false,
      refusal: refuse('invalid_input', 'at: must be "current", "previous" or a date YYYY-MM-DD'),
    };
  const window = spec.kind === 'all' ? windowAt(spec, nowMs) : windowAt(spec, startOfDate(day, spec.zone));
  if (window.startMs !== null && window.startMs > nowMs)
    return {
      ok: false,
      refusal: refuse('invalid_input', `at: the ${spec.kind} window of ${date} has not started yet`),
    };
  return { ok: true, value: window };
}

function calendarDate(date: string): Temporal.PlainDate | undefined {
  try {
    return Temporal.PlainDate.from(date); // a string that is no real date (2026-02-29) throws
  } catch {
    return undefined;
  }
}
