// The write path's statements; the named ones are prepared once per connection (pg's named
// queries).
// Arrays travel as one parameter each (unnest), so a batch is two round trips (READ_STATE,
// COMMIT_BATCH) whatever its size.

/** Seed of the per-user advisory locks (any constant other locks do not use; sb_commit_batch in
 * migration 0003 uses the same). */
const USER_LOCK_SEED = 7_340_771;

/** Locks the users of a batch, in one order everywhere, so two instances never deadlock. */
export const LOCK_USERS = {
  name: 'sb_lock_users',
  text: `SELECT pg_advisory_xact_lock(k) FROM (
           SELECT DISTINCT hashtextextended(u, ${USER_LOCK_SEED}) AS k FROM unnest($1::text[]) AS u ORDER BY k
         ) AS keys`,
};

/**
 * What a batch is judged against, in one round trip: the current record of each user ($1)
 * and each user's own ledger row of each action id the batch sends them ($2, $3: users and
 * action ids, pairwise). Rows are told apart by `kind`.
 * Unnamed, so planned on every run: a named statement keeps a generic plan chosen after five
 * runs, and on a young database that was a sequential scan of the whole ledger per batch.
 */
export const READ_STATE = {
  text: `SELECT 'record' AS kind, user_id, NULL::text AS action_id, score, reached_seq,
                NULL::bigint AS previous_score, NULL::bigint AS new_score
           FROM scores WHERE user_id = ANY($1::text[])
         UNION ALL
         SELECT 'prior', l.user_id, l.action_id, NULL, NULL, l.previous_score, l.new_score
           FROM unnest($2::text[], $3::text[]) AS j(user_id, action_id)
           JOIN score_ledger l ON l.user_id = j.user_id AND l.action_id = j.action_id`,
};

/**
 * Writes a judged batch and takes its board version, in one statement and so one commit (see
 * migrations 0003 and 0004): it fails with SB001 when a user changed since READ_STATE, SB002
 * when one of the users' action ids was taken meanwhile. Returns each ledger row's user,
 * action id and id, and the version.
 */
export const COMMIT_BATCH = {
  name: 'sb_commit_batch',
  text: `SELECT o_user_id, o_action_id, o_id, o_version FROM sb_commit_batch(
           $1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
           $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::bigint)`,
};

/** SQLSTATEs of COMMIT_BATCH that mean "read and judge again". */
export const STALE_READ = 'SB001';
export const ACTION_TAKEN = 'SB002';
