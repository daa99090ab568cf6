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
 * and the ledger row of each action id already taken ($2). Rows are told apart by `kind`.
 * Unnamed, so planned on every run: a named statement keeps a generic plan chosen after five
 * runs, and on a young database that was a sequential scan of the whole ledger per batch.
 */
export const READ_STATE = {
  text: `SELECT 's' AS kind, user_id AS key, NULL::text AS owner, score AS a, reached_seq AS b
           FROM scores WHERE user_id = ANY($1::text[])
         UNION ALL
         SELECT 'p', action_id, user_id, previous_score, new_score
           FROM score_ledger WHERE action_id = ANY($2::text[])`,
};

/**
 * Writes a judged batch and takes its board version, in one statement and so one commit (see
 * migration 0003): it fails with SB001 when a user changed since READ_STATE, SB002 when an
 * action id was taken meanwhile. Returns each ledger row's id and the version.
 */
export const COMMIT_BATCH = {
  name: 'sb_commit_batch',
  text: `SELECT o_action_id, o_id, o_version FROM sb_commit_batch(
           $1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
           $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::bigint)`,
};

/** SQLSTATEs of COMMIT_BATCH that mean "read and judge again". */
export const STALE_READ = 'SB001';
export const ACTION_TAKEN = 'SB002';

/**
 * Takes the next board version and records what it changed, in one round trip: the version
 * row's lock is held from here to the commit (see the migration), so this comes last and
 * short. ($1: the changes as JSON, $2: now)
 */
export const NEXT_VERSION_WITH_CHANGES = {
  name: 'sb_next_version_with_changes',
  text: `WITH next AS (UPDATE board_version SET version = version + 1 WHERE id = 1 RETURNING version)
         INSERT INTO board_changes (version, changes, created_at) SELECT version, $1::jsonb, $2 FROM next
         RETURNING version`,
};
