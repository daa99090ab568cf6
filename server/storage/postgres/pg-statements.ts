// The write path's statements; the named ones are prepared once per connection (pg's named
// queries).
// Arrays travel as one parameter each (unnest), so a batch is two round trips (READ_STATE,
// COMMIT_BATCH) whatever its size.

/** Seed of the per-user advisory locks (any constant other locks do not use; sb_commit_batch in
 * migrations 0003 to 0007 uses the same). */
const USER_LOCK_SEED = 7_340_771;

/** Locks the users of a batch, in one order everywhere, so two instances never deadlock. */
export const LOCK_USERS = {
  name: 'sb_lock_users',
  text: `SELECT pg_advisory_xact_lock(k) FROM (
           SELECT DISTINCT hashtextextended(u, ${USER_LOCK_SEED}) AS k FROM unnest($1::text[]) AS u ORDER BY k
         ) AS keys`,
};

/** Seed of the per-window advisory locks that order writing a window's rank marks and erasing from it. */
const WINDOW_LOCK_SEED = 7_340_772;

/**
 * Locks windows ($1, $2: boards and window keys, by twos), in one order everywhere. Whoever
 * writes a window's rank marks takes its lock before the statement that reads the window, and
 * an erasure takes it after deleting the user's rows and before deleting the marks: marks are
 * either written from the rows without the user, or written first and deleted by the erasure.
 */
export const LOCK_WINDOWS = {
  name: 'sb_lock_windows',
  text: `SELECT pg_advisory_xact_lock(k) FROM (
           SELECT DISTINCT hashtextextended(b || '/' || w, ${WINDOW_LOCK_SEED}) AS k
           FROM unnest($1::text[], $2::text[]) AS t(b, w) ORDER BY k
         ) AS keys`,
};

/** Deletes the rank marks of windows ($1, $2: boards and window keys, by twos); see LOCK_WINDOWS. */
export const DELETE_RANK_MARKS = {
  name: 'sb_delete_rank_marks',
  text: `DELETE FROM rank_marks m USING unnest($1::text[], $2::text[]) AS t(b, w)
         WHERE m.board_id = t.b AND m.window_key = t.w`,
};

/** The database's clock, in epoch milliseconds (as Date.now() counts them). */
export const DB_NOW_MS = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/**
 * What a batch is judged against, in one round trip: the database's clock (`now`), the
 * window rows ($1, $2, $3: boards, window keys and users, by threes) and each user's own
 * ledger row of each action id the batch sends them on a board ($4, $5, $6: boards, users and
 * action ids). Rows are told apart by `kind`.
 * Unnamed, so planned on every run: a named statement keeps a generic plan chosen after five
 * runs, and on a young database that was a sequential scan of the whole ledger per batch.
 */
export const READ_STATE = {
  text: `SELECT 'now' AS kind, ${DB_NOW_MS} AS now, NULL::text AS board_id, NULL::text AS window_key,
                NULL::text AS user_id, NULL::text AS action_id, NULL::bigint AS score,
                NULL::bigint AS reached_seq, NULL::bigint AS value, NULL::bigint AS previous_score,
                NULL::bigint AS new_score
         UNION ALL
         SELECT 'row', NULL, s.board_id, s.window_key, s.user_id, NULL, s.score, s.reached_seq, NULL, NULL, NULL
           FROM unnest($1::text[], $2::text[], $3::text[]) AS r(board_id, window_key, user_id)
           JOIN board_scores s ON s.user_id = r.user_id AND s.board_id = r.board_id AND s.window_key = r.window_key
         UNION ALL
         SELECT 'prior', NULL, l.board_id, NULL, l.user_id, l.action_id, NULL, NULL, l.value, l.previous_score,
                l.new_score
           FROM unnest($4::text[], $5::text[], $6::text[]) AS j(board_id, user_id, action_id)
           JOIN score_ledger l ON l.user_id = j.user_id AND l.board_id = j.board_id AND l.action_id = j.action_id`,
};

/**
 * Writes a judged batch and takes its board version, in one statement and so one commit (see
 * migrations 0006 and 0007): it fails with SB001 when a window row changed since READ_STATE,
 * SB002 when one of the users' action ids was taken meanwhile, SB003 when the database's clock
 * at the commit is outside the windows the batch was judged for, SB004 when a season of one of
 * its boards started since it was judged (the season counts, $23 and $24, differ). Returns each ledger row's board,
 * user, action id and id, the version, and the commit instant.
 */
export const COMMIT_BATCH = {
  name: 'sb_commit_batch',
  text: `SELECT o_board_id, o_user_id, o_action_id, o_id, o_version, o_now FROM sb_commit_batch(
           $1::text[],
           $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
           $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::text[],
           $15::text[], $16::text[], $17::text[], $18::bigint[], $19::bigint[], $20::text[],
           $21::bigint, $22::bigint, $23::text[], $24::integer[])`,
};

/**
 * The season starts each of these boards ($1) keeps, as stored (boards without a `season`
 * window, and boards not stored, have no row).
 */
export const STORED_SEASONS = {
  text: `SELECT b.id, coalesce(w -> 'season_starts', '[]'::jsonb) AS seasons FROM boards b
           CROSS JOIN LATERAL jsonb_array_elements(b.definition::jsonb -> 'windows') AS w
         WHERE b.id = ANY($1::text[]) AND w ->> 'kind' = 'season'`,
};

/** SQLSTATEs of COMMIT_BATCH that mean "read and judge again". */
export const STALE_READ = 'SB001';
export const ACTION_TAKEN = 'SB002';
export const RESET_CROSSED = 'SB003';
export const SEASON_STARTED = 'SB004';
