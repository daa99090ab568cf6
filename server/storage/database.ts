import type { Generated, Selectable } from 'kysely';

/**
 * A user's score in one window of one board; `reached_seq` is the ledger id of the update that
 * set it, `sort_key` the score negated where higher is better (one ascending index for both).
 */
export interface BoardScoreTable {
  board_id: string;
  window_key: string;
  user_id: string;
  score: number;
  sort_key: number;
  reached_seq: number;
  updated_at: number;
}

/**
 * Every K-th record of a window that ended, in its order, with how many records are ahead of
 * it (see rank-marks.ts): written once, by the first read of a rank in the window.
 */
export interface RankMarkTable {
  board_id: string;
  window_key: string;
  sort_key: number;
  reached_seq: number;
  user_id: string;
  ahead: number;
}

/** Every board's definition (the board file's form, JSON); `revision` rises with each change. */
export interface BoardTable {
  id: string;
  definition: string;
  archived: number;
  revision: number;
  updated_at: number;
}

/** Append-only record of every accepted update and every admin's change to a board. */
export interface ScoreLedgerTable {
  id: Generated<number>;
  board_id: string;
  action_id: string;
  user_id: string;
  /** What was submitted; previous_score and new_score are the user's score on the whole board. */
  value: number;
  previous_score: number;
  new_score: number;
  subject: string;
  ip: string | null;
  created_at: number;
  /** Why an admin made the change (null: a submission); an erasure clears it. */
  reason: string | null;
}

/** Every refused request and every admin's change to a board: who, from where, for whom, and why. */
export interface SecurityEventTable {
  id: Generated<number>;
  kind: string;
  subject: string | null;
  ip: string | null;
  user_id: string | null;
  reason: string;
  /** Occurrences aggregated into this row (same kind and source, one window). */
  count: Generated<number>;
  created_at: number;
  last_at: number;
}

/** Key-value facts about the database itself (`epoch`: its identity, made at creation). */
export interface MetaTable {
  key: string;
  value: string;
}

/** Users whose refusals passed the anomaly threshold; `cleared_at` is set by an admin. */
export interface FlaggedUserTable {
  user_id: string;
  reason: string;
  flag_count: number;
  flagged_at: number;
  cleared_at: number | null;
  cleared_by: string | null;
}

export interface Database {
  board_scores: BoardScoreTable;
  boards: BoardTable;
  rank_marks: RankMarkTable;
  score_ledger: ScoreLedgerTable;
  security_events: SecurityEventTable;
  flagged_users: FlaggedUserTable;
  meta: MetaTable;
}

export type LedgerRow = Selectable<ScoreLedgerTable>;
export type SecurityEventRow = Selectable<SecurityEventTable>;
export type FlaggedUserRow = Selectable<FlaggedUserTable>;
