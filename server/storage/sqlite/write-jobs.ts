import type { Board } from '../../domain/board.js';
import type { UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type {
  AdminOrigin,
  Erasure,
  NewSecurityEvent,
  ScoreSet,
  SeasonChange,
  SeasonStart,
  SecurityEventCount,
  UserRemoval,
} from '../storage.js';

/** One write, queued for the next group commit. */
export type WriteJob =
  | { readonly op: 'update'; readonly command: UpdateCommand; readonly judge: Judge }
  | { readonly op: 'insertEvent'; readonly event: NewSecurityEvent }
  | { readonly op: 'addCounts'; readonly counts: readonly SecurityEventCount[] }
  | { readonly op: 'prune'; readonly before: number }
  | { readonly op: 'flag'; readonly userId: string; readonly reason: string }
  | { readonly op: 'clearFlag'; readonly userId: string; readonly clearedBy: string }
  | { readonly op: 'erase'; readonly userId: string; readonly by: string }
  | { readonly op: 'startSeason'; readonly change: SeasonChange; readonly origin: AdminOrigin }
  | {
      readonly op: 'removeUser';
      readonly board: Board;
      readonly userId: string;
      readonly origin: AdminOrigin;
    }
  | {
      readonly op: 'setScore';
      readonly board: Board;
      readonly userId: string;
      readonly score: number;
      readonly origin: AdminOrigin;
    };

/** What each kind of job answers. */
export interface WriteResults {
  update: UpdateOutcome;
  insertEvent: number;
  addCounts: void;
  prune: number;
  flag: void;
  clearFlag: boolean;
  erase: Erasure | null;
  startSeason: SeasonStart | null;
  removeUser: UserRemoval | null;
  setScore: ScoreSet;
}

/** A job's result: its value, or why it failed (`unavailable`: the commit itself failed). */
export type JobResult = { ok: true; value: unknown } | { ok: false; error: string; unavailable: boolean };
