import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

// Queries are built with Kysely (so column names are type-checked), compiled once, and
// prepared once: the hot path runs prepared statements with positional parameters.
const P = '?' as never;

/** The prepared statements of the write path, in parameter order noted beside each. */
export function prepareStatements(db: Kysely<Database>, sqlite: BetterSqlite3.Database) {
  const prepare = (query: { compile(): { sql: string } }) => sqlite.prepare(query.compile().sql);
  return {
    /** (action_id) */
    priorAction: prepare(
      db
        .selectFrom('score_ledger')
        .select(['user_id', 'previous_score', 'new_score'])
        .where('action_id', '=', P),
    ),
    /** (user_id) */
    currentScore: prepare(
      db.selectFrom('scores').select(['user_id', 'score', 'reached_seq']).where('user_id', '=', P),
    ),
    /** (action_id, user_id, previous_score, new_score, subject, ip, created_at) */
    appendLedger: prepare(
      db.insertInto('score_ledger').values({
        action_id: P,
        user_id: P,
        previous_score: P,
        new_score: P,
        subject: P,
        ip: P,
        created_at: P,
      }),
    ),
    /** (user_id, score, reached_seq, updated_at) */
    upsertScore: prepare(
      db
        .insertInto('scores')
        .values({ user_id: P, score: P, reached_seq: P, updated_at: P })
        .onConflict((oc) =>
          oc.column('user_id').doUpdateSet((eb) => ({
            score: eb.ref('excluded.score'),
            reached_seq: eb.ref('excluded.reached_seq'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    /** (kind, subject, ip, user_id, reason, created_at) */
    appendSecurityEvent: prepare(
      db.insertInto('security_events').values({
        kind: P,
        subject: P,
        ip: P,
        user_id: P,
        reason: P,
        created_at: P,
      }),
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
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
