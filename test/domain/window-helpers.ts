import type { BoardWindow } from '../../server/domain/board-window.js';

/** An instant written as an ISO date-time with its offset, e.g. `2026-03-29T03:00+02:00`. */
export const at = (text: string): number => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${text}`);
  return ms;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A window as a reader checks it: key, and both ends in UTC. */
export const view = (window: BoardWindow | null) =>
  window && { key: window.key, start: iso(window.startMs), end: iso(window.endMs) };

/** How long a bounded window lasts, in hours. */
export const hours = (window: BoardWindow): number => (window.endMs! - window.startMs!) / 3_600_000;
