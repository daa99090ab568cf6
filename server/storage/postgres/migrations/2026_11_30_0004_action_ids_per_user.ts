import { sql, type Kysely } from 'kysely';
import * as commitBatchFunction from './2026_11_29_0003_commit_batch_function.js';

// Frozen in time: no imports of application code (only of the migration whose function it
// replaces, for down()).
// An action_id is unique per user, not across users: one user's ids neither block nor reveal
// another's. Every ledger row stays as it is; only the constraint changes (the unique index
// on (user_id, action_id) also serves the write path's look-up of a user's earlier actions).
// sb_commit_batch (0003) matched a batch's ledger rows to its scores by action id alone; it
// now matches them by user and action id, and says whose each returned row is.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE score_ledger DROP CONSTRAINT score_ledger_action_id_key`.execute(db);
  await sql`ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_user_action_key UNIQUE (user_id, action_id)`.execute(
    db,
  );
  await commitBatchFunction.down(db);
  await sql`CREATE FUNCTION sb_commit_batch(
      p_users text[], p_read_scores bigint[], p_read_seqs bigint[],
      p_actions text[], p_action_users text[], p_previous bigint[], p_new bigint[],
      p_subjects text[], p_ips text[],
      p_final_users text[], p_final_scores bigint[], p_final_actions text[],
      p_now bigint)
    RETURNS TABLE (o_user_id text, o_action_id text, o_id bigint, o_version bigint)
    LANGUAGE plpgsql
    SET plan_cache_mode = force_custom_plan
    AS $$
    DECLARE
      v_users text[];
      v_actions text[];
      v_ids bigint[];
      v_changes jsonb;
      v_version bigint;
    BEGIN
      PERFORM pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(u, 7340771) AS k FROM unnest(p_users) AS u ORDER BY k
      ) AS keys;
      IF EXISTS (
        SELECT 1 FROM unnest(p_users, p_read_scores, p_read_seqs) AS r(u, s, q)
        LEFT JOIN scores c ON c.user_id = r.u
        WHERE c.score IS DISTINCT FROM r.s OR c.reached_seq IS DISTINCT FROM r.q
      ) THEN
        RAISE EXCEPTION 'a user of the batch changed since it was read' USING ERRCODE = 'SB001';
      END IF;

      WITH ins AS (
        INSERT INTO score_ledger (action_id, user_id, previous_score, new_score, subject, ip, created_at)
        SELECT a, u, prev, nxt, subj, ip, p_now
        FROM unnest(p_actions, p_action_users, p_previous, p_new, p_subjects, p_ips)
          WITH ORDINALITY AS j(a, u, prev, nxt, subj, ip, ord)
        ORDER BY ord
        ON CONFLICT (user_id, action_id) DO NOTHING
        RETURNING id, user_id, action_id
      )
      SELECT array_agg(ins.user_id ORDER BY ins.id), array_agg(ins.action_id ORDER BY ins.id),
             array_agg(ins.id ORDER BY ins.id)
        INTO v_users, v_actions, v_ids FROM ins;
      IF coalesce(cardinality(v_ids), 0) <> cardinality(p_actions) THEN
        RAISE EXCEPTION 'an action id of the batch was taken meanwhile' USING ERRCODE = 'SB002';
      END IF;

      INSERT INTO scores (user_id, score, reached_seq, updated_at)
      SELECT f.u, f.s, l.id, p_now
      FROM unnest(p_final_users, p_final_scores, p_final_actions) WITH ORDINALITY AS f(u, s, a, ord)
      JOIN unnest(v_users, v_actions, v_ids) AS l(u, a, id) ON l.u = f.u AND l.a = f.a
      ORDER BY f.ord
      ON CONFLICT (user_id) DO UPDATE
        SET score = excluded.score, reached_seq = excluded.reached_seq, updated_at = excluded.updated_at;

      SELECT coalesce(jsonb_agg(jsonb_build_object('userId', f.u, 'record',
               jsonb_build_object('userId', f.u, 'score', f.s, 'reachedSeq', l.id)) ORDER BY f.ord), '[]')
        INTO v_changes
      FROM unnest(p_final_users, p_final_scores, p_final_actions) WITH ORDINALITY AS f(u, s, a, ord)
      JOIN unnest(v_users, v_actions, v_ids) AS l(u, a, id) ON l.u = f.u AND l.a = f.a;

      UPDATE board_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v_version;
      INSERT INTO board_changes (version, changes, created_at) VALUES (v_version, v_changes, p_now);
      RETURN QUERY SELECT l.u, l.a, l.id, v_version FROM unnest(v_users, v_actions, v_ids) AS l(u, a, id);
    END $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS sb_commit_batch(text[], bigint[], bigint[], text[], text[], bigint[],
    bigint[], text[], text[], text[], bigint[], text[], bigint)`.execute(db);
  await commitBatchFunction.up(db);
  await sql`ALTER TABLE score_ledger DROP CONSTRAINT score_ledger_user_action_key`.execute(db);
  await sql`ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_action_id_key UNIQUE (action_id)`.execute(
    db,
  );
}
