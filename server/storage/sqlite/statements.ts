import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { ScoreRecord } from '../../domain/score-record.js';
import type { Database } from '../database.js';

// Queries are built with Kysely (so column names are type-checked), compiled once, and
// prepared once: the hot path runs prepared statements with positional parameters.
const P = '?' as never;

/** Rows deleted per pruning transaction, so that pruning never holds the writer for long. */
export const PRUNE_CHUNK = 5000;

/** A ledger row's columns, each a parameter. */
const LEDGER_ROW = {
  board_id: P,
  action_id: P,
  user_id: P,
  value: P,
  previous_score: P,
  new_score: P,
  subject: P,
  ip: P,
  created_at: P,
};

/** A row of `windowScore`. */
export interface ScoreRow {
  user_id: string;
  score: number;
  reached_seq: number;
}

export const toRecord = (row: ScoreRow): ScoreRecord => ({
  userId: row.user_id,
  score: row.score,
  reachedSeq: row.reached_seq,
});

/** The prepared statements of the write path, in parameter order noted beside each. */
export function prepareStatements(db: Kysely<Database>, sqlite: BetterSqlite3.Database) {
  const prepare = (query: { compile(): { sql: string } }) => sqlite.prepare(query.compile().sql);
  return {
    /** (board_id, user_id, action_id): the user's own earlier action on the board */
    priorAction: prepare(
      db
        .selectFrom('score_ledger')
        .select(['user_id', 'value', 'previous_score', 'new_score'])
        .where('board_id', '=', P)
        .where('user_id', '=', P)
        .where('action_id', '=', P),
    ),
    /** (board_id, window_key, user_id) */
    windowScore: prepare(
      db
        .selectFrom('board_scores')
        .select(['user_id', 'score', 'reached_seq'])
        .where('board_id', '=', P)
        .where('window_key', '=', P)
        .where('user_id', '=', P),
    ),
    /** (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at) */
    appendLedger: prepare(db.insertInto('score_ledger').values(LEDGER_ROW)),
    /** (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at, reason): an admin's change */
    appendAdminLedger: prepare(db.insertInto('score_ledger').values({ ...LEDGER_ROW, reason: P })),
    /** (board_id, window_key, user_id): the row removed, if any */
    deleteWindowScore: prepare(
      db
        .deleteFrom('board_scores')
        .where('board_id', '=', P)
        .where('window_key', '=', P)
        .where('user_id', '=', P)
        .returning('score'),
    ),
    /** (id) */
    boardDefinition: prepare(db.selectFrom('boards').select('definition').where('id', '=', P)),
    /** (definition, updated_at, id): a board's new definition, under the next revision */
    redefineBoard: prepare(
      db
        .updateTable('boards')
        .set({
          definition: P,
          updated_at: P,
          revision: sql<number>`(SELECT max(revision) + 1 FROM boards)`,
        })
        .where('id', '=', P)
        .returning('revision'),
    ),
    /** (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at) */
    upsertWindowScore: prepare(
      db
        .insertInto('board_scores')
        .values({
          board_id: P,
          window_key: P,
          user_id: P,
          score: P,
          sort_key: P,
          reached_seq: P,
          updated_at: P,
        })
        .onConflict((oc) =>
          oc.columns(['board_id', 'window_key', 'user_id']).doUpdateSet((eb) => ({
            score: eb.ref('excluded.score'),
            sort_key: eb.ref('excluded.sort_key'),
            reached_seq: eb.ref('excluded.reached_seq'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    /** (kind, subject, ip, user_id, reason, created_at, last_at) */
    insertSecurityEvent: prepare(
      db.insertInto('security_events').values({
        kind: P,
        subject: P,
        ip: P,
        user_id: P,
        reason: P,
        created_at: P,
        last_at: P,
      }),
    ),
    /** (add, last_at, id) */
    addSecurityEventCount: sqlite.prepare(
      'update security_events set count = count + ?, last_at = max(last_at, ?) where id = ?',
    ),
    /** (before) */
    pruneSecurityEvents: sqlite.prepare(
      `delete from security_events where id in
         (select id from security_events where last_at < ? limit ${PRUNE_CHUNK})`,
    ),
    /** (user_id, reason, flagged_at, reason, flagged_at): a new flag, or a fresh one over an old */
    flagUser: sqlite.prepare(
      `insert into flagged_users (user_id, reason, flag_count, flagged_at, cleared_at, cleared_by)
       values (?, ?, 1, ?, null, null)
       on conflict (user_id) do update set reason = ?, flag_count = flag_count + 1, flagged_at = ?,
         cleared_at = null, cleared_by = null`,
    ),
    /** (cleared_at, cleared_by, user_id) */
    clearFlag: prepare(
      db
        .updateTable('flagged_users')
        .set({ cleared_at: P, cleared_by: P })
        .where('user_id', '=', P)
        .where('cleared_at', 'is', null),
    ),
    /** (user_id): the user's rows on every board and window */
    userScores: prepare(
      db.selectFrom('board_scores').select(['board_id', 'window_key', 'score']).where('user_id', '=', P),
    ),
    /** (user_id) */
    deleteUserScores: prepare(db.deleteFrom('board_scores').where('user_id', '=', P)),
    /** (board_id, window_key): the window's rank marks, which an erasure from it makes wrong */
    deleteRankMarks: prepare(
      db.deleteFrom('rank_marks').where('board_id', '=', P).where('window_key', '=', P),
    ),
    /** (pseudonym, user_id, pseudonym, user_id): the user's rows; the subject too when it was theirs */
    pseudonymiseLedger: sqlite.prepare(
      `update score_ledger set user_id = ?, subject = case when subject = ? then ? else subject end, ip = null,
         reason = null
       where user_id = ? and action_id not like 'erase:%'`,
    ),
    /** (user_id, user_id, 'unverified:' || user_id) */
    deleteUserEvents: sqlite.prepare(
      'delete from security_events where user_id = ? or subject = ? or subject = ?',
    ),
    /** (user_id) */
    deleteFlag: prepare(db.deleteFrom('flagged_users').where('user_id', '=', P)),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
