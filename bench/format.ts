import type { HttpLoadResult } from './http-load.js';

/** How the report writes its values. */
export const ms = (value: number): string => `${value} ms`;
export const rate = (value: number, unit = 'req/s'): string =>
  `${Math.round(value).toLocaleString('en-US')} ${unit}`;

/** A load run's non-2xx / errors / timeouts / body mismatches, and whether all are 0. */
export const errorCounts = (u: HttpLoadResult): { value: string; met: boolean } => ({
  value: `${u.non2xx} / ${u.errors} / ${u.timeouts} / ${u.mismatches}`,
  met: u.non2xx + u.errors + u.timeouts + u.mismatches === 0,
});
