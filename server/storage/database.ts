import type { Generated, Selectable } from 'kysely';

/** A user's current score; `reached_seq` is the ledger id of the update that set it. */
export interface ScoreTable {
  user_id: string;
  score: number;
  reached_seq: number;
  updated_at: number;
}

/** Append-only record of every accepted update. */
export interface ScoreLedgerTable {
  id: Generated<number>;
  action_id: string;
  user_id: string;
  previous_score: number;
  new_score: number;
  subject: string;
  ip: string | null;
  created_at: number;
}

/** Every refused request: who, from where, for whom, and why. */
export interface SecurityEventTable {
  id: Generated<number>;
  kind: string;
  subject: string | null;
  ip: string | null;
  user_id: string | null;
  reason: string;
  created_at: number;
}

export interface Database {
  scores: ScoreTable;
  score_ledger: ScoreLedgerTable;
  security_events: SecurityEventTable;
}

export type ScoreRow = Selectable<ScoreTable>;
export type LedgerRow = Selectable<ScoreLedgerTable>;
export type SecurityEventRow = Selectable<SecurityEventTable>;
