// The write path's statements, prepared once per connection by name (pg's named queries).
// Arrays travel as one parameter each (unnest), so a batch is a handful of round trips
// whatever its size.

/** Seed of the per-user advisory locks (any constant other locks do not use). */
const USER_LOCK_SEED = 7_340_771;

/** Locks the users of a batch, in one order everywhere, so two instances never deadlock. */
export const LOCK_USERS = {
  name: 'sb_lock_users',
  text: `SELECT pg_advisory_xact_lock(k) FROM (
           SELECT DISTINCT hashtextextended(u, ${USER_LOCK_SEED}) AS k FROM unnest($1::text[]) AS u ORDER BY k
         ) AS keys`,
};

export const CURRENT_SCORES = {
  name: 'sb_current_scores',
  text: 'SELECT user_id, score, reached_seq FROM scores WHERE user_id = ANY($1::text[])',
};

export const PRIOR_ACTIONS = {
  name: 'sb_prior_actions',
  text: 'SELECT action_id, user_id, previous_score, new_score FROM score_ledger WHERE action_id = ANY($1::text[])',
};

/** Skips an action another transaction committed meanwhile (the batch is then judged again). */
export const APPEND_LEDGER = {
  name: 'sb_append_ledger',
  text: `INSERT INTO score_ledger (action_id, user_id, previous_score, new_score, subject, ip, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bigint[])
         ON CONFLICT (action_id) DO NOTHING
         RETURNING id, action_id`,
};

export const UPSERT_SCORES = {
  name: 'sb_upsert_scores',
  text: `INSERT INTO scores (user_id, score, reached_seq, updated_at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (user_id) DO UPDATE
           SET score = excluded.score, reached_seq = excluded.reached_seq, updated_at = excluded.updated_at`,
};

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
