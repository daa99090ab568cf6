import type { SecurityEvent, UpdateCommand, UpdateOutcome } from '../storage.js';

/** One write, as it travels to the writer thread. */
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

/** Main thread → writer. */
export type ToWriter = { kind: 'batch'; ids: number[]; jobs: WriteJob[] } | { kind: 'close' };

/** Writer → main thread. */
export type FromWriter =
  | { kind: 'results'; ids: number[]; results: JobResult[]; size: number; seconds: number }
  | { kind: 'closed' };
