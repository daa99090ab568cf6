import type { SecurityEvent, UpdateCommand, UpdateOutcome } from '../storage.js';

/** One write, queued for the next group commit. */
export type WriteJob =
  | { readonly op: 'update'; readonly command: UpdateCommand; readonly canDecrease: boolean }
  | { readonly op: 'event'; readonly event: SecurityEvent }
  | { readonly op: 'flag'; readonly userId: string; readonly reason: string }
  | { readonly op: 'clearFlag'; readonly userId: string; readonly clearedBy: string };

/** What each kind of job answers. */
export interface WriteResults {
  update: UpdateOutcome;
  event: void;
  flag: void;
  clearFlag: boolean;
}

/** A job's result: its value, or why it failed (`unavailable`: the commit itself failed). */
export type JobResult = { ok: true; value: unknown } | { ok: false; error: string; unavailable: boolean };
