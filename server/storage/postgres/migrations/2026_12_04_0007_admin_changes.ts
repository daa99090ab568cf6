import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Admins change boards (issue 17): start a season, remove a user from a board, set a score.
// - the ledger keeps why, in `reason` (null for submissions). An erasure pseudonymises the
//   user's rows as before and clears their reasons too (an admin's words about them).
// - a season ends only when an admin starts the next one, so no batch can know its end in
//   advance. sb_commit_batch now takes the batch's boards that keep seasons, with the number of
//   season starts each was judged with, and refuses with SB004 when a board's stored definition
//   holds another number (a season started between the read and the commit; the caller learns
//   the starts and judges again). It holds the boards table (ROW SHARE) from that check to its
//   commit, and a season start holds it EXCLUSIVE while it takes its instant: every write on a
//   board with seasons commits wholly before or wholly after a start, in the season its
//   instant falls in.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE score_ledger ADD COLUMN reason text`.execute(db);
  await sql`CREATE OR REPLACE FUNCTION score_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.user_id LIKE 'erased:%' AND NEW.id = OLD.id
        AND NEW.board_id = OLD.board_id AND NEW.action_id = OLD.action_id AND NEW.value = OLD.value
        AND NEW.previous_score = OLD.previous_score AND NEW.new_score = OLD.new_score
        AND NEW.created_at = OLD.created_at AND NEW.ip IS NULL
        AND (NEW.subject = OLD.subject OR NEW.subject = NEW.user_id)
        AND (NEW.reason IS NULL OR NEW.reason = OLD.reason) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'score_ledger is append-only';
    END $$`.execute(db);

  await sql`DROP FUNCTION sb_commit_batch(text[], text[], text[], text[], bigint[], bigint[],
    text[], text[], text[], bigint[], bigint[], bigint[], text[], text[],
    text[], text[], text[], bigint[], bigint[], text[], bigint, bigint)`.execute(db);
  await sql`CREATE FUNCTION sb_commit_batch(
      -- The users to lock: every user of the batch's ledger rows.
      p_users text[],
      -- The window rows the batch was judged on, as read (score and seq null: no row).
      p_read_boards text[], p_read_windows text[], p_read_users text[],
      p_read_scores bigint[], p_read_seqs bigint[],
      -- The ledger rows, in batch order.
      p_boards text[], p_actions text[], p_action_users text[], p_values bigint[],
      p_previous bigint[], p_new bigint[], p_subjects text[], p_ips text[],
      -- The window rows the batch leaves, each with the action (of its board and user) that set it.
      p_write_boards text[], p_write_windows text[], p_write_users text[],
      p_write_scores bigint[], p_write_sort_keys bigint[], p_write_actions text[],
      -- The instants (epoch ms) the batch's windows hold: [from, until), null an open end.
      p_valid_from bigint, p_valid_until bigint,
      -- The boards of the batch that keep seasons, and how many season starts each was judged with.
      p_season_boards text[], p_season_counts integer[])
    RETURNS TABLE (o_board_id text, o_user_id text, o_action_id text, o_id bigint,
                   o_version bigint, o_now bigint)
    LANGUAGE plpgsql
    -- Each statement planned for this call's tables: a cached generic plan is chosen after five
    -- calls, perhaps while the tables are nearly empty, and kept until the next ANALYZE.
    SET plan_cache_mode = force_custom_plan
    AS $$
    DECLARE
      v_now bigint;
      v_boards text[];
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
        SELECT 1 FROM unnest(p_read_boards, p_read_windows, p_read_users, p_read_scores, p_read_seqs)
          AS r(b, w, u, s, q)
        LEFT JOIN board_scores c ON c.user_id = r.u AND c.board_id = r.b AND c.window_key = r.w
        WHERE c.score IS DISTINCT FROM r.s OR c.reached_seq IS DISTINCT FROM r.q
      ) THEN
        RAISE EXCEPTION 'a window row of the batch changed since it was read' USING ERRCODE = 'SB001';
      END IF;
      -- A season start holds the boards EXCLUSIVE while it takes its instant: this batch commits
      -- wholly before it, or after it with the seasons it was judged with.
      IF cardinality(p_season_boards) > 0 THEN
        LOCK TABLE boards IN ROW SHARE MODE;
        IF EXISTS (
          SELECT 1 FROM unnest(p_season_boards, p_season_counts) AS s(b, n)
          JOIN boards ON boards.id = s.b
          CROSS JOIN LATERAL jsonb_array_elements(boards.definition::jsonb -> 'windows') AS w
          WHERE w ->> 'kind' = 'season'
            AND jsonb_array_length(coalesce(w -> 'season_starts', '[]'::jsonb)) <> s.n
        ) THEN
          RAISE EXCEPTION 'a season of a board of the batch started since it was judged' USING ERRCODE = 'SB004';
        END IF;
      END IF;
      -- The batch's users are held: no write of theirs commits before this one now.
      v_now := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
      IF v_now < p_valid_from OR v_now >= p_valid_until THEN
        RAISE EXCEPTION 'the batch commits at % ms, outside the windows it was judged for [%, %)',
          v_now, p_valid_from, p_valid_until USING ERRCODE = 'SB003';
      END IF;

      WITH ins AS (
        INSERT INTO score_ledger
          (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
        SELECT b, a, u, val, prev, nxt, subj, ip, v_now
        FROM unnest(p_boards, p_actions, p_action_users, p_values, p_previous, p_new, p_subjects, p_ips)
          WITH ORDINALITY AS j(b, a, u, val, prev, nxt, subj, ip, ord)
        ORDER BY ord
        ON CONFLICT (user_id, board_id, action_id) DO NOTHING
        RETURNING id, board_id, user_id, action_id
      )
      SELECT array_agg(ins.board_id ORDER BY ins.id), array_agg(ins.user_id ORDER BY ins.id),
             array_agg(ins.action_id ORDER BY ins.id), array_agg(ins.id ORDER BY ins.id)
        INTO v_boards, v_users, v_actions, v_ids FROM ins;
      IF coalesce(cardinality(v_ids), 0) <> cardinality(p_actions) THEN
        RAISE EXCEPTION 'an action id of the batch was taken meanwhile' USING ERRCODE = 'SB002';
      END IF;

      -- The rows written and the changes recorded for the feed: the same rows, in batch order.
      WITH f AS (
        SELECT f.ord, f.b, f.w, f.u, f.s, f.k, l.id
        FROM unnest(p_write_boards, p_write_windows, p_write_users, p_write_scores, p_write_sort_keys,
                    p_write_actions) WITH ORDINALITY AS f(b, w, u, s, k, a, ord)
        JOIN unnest(v_boards, v_users, v_actions, v_ids) AS l(b, u, a, id)
          ON l.b = f.b AND l.u = f.u AND l.a = f.a
      ), upsert AS (
        INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
        SELECT b, w, u, s, k, id, v_now FROM f ORDER BY ord
        ON CONFLICT (user_id, board_id, window_key) DO UPDATE
          SET score = excluded.score, sort_key = excluded.sort_key, reached_seq = excluded.reached_seq,
              updated_at = excluded.updated_at
      )
      SELECT coalesce(jsonb_agg(jsonb_build_object('boardId', b, 'windowKey', w, 'userId', u, 'record',
               jsonb_build_object('userId', u, 'score', s, 'reachedSeq', id)) ORDER BY ord), '[]')
        INTO v_changes FROM f;

      UPDATE board_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v_version;
      INSERT INTO board_changes (version, changes, created_at) VALUES (v_version, v_changes, v_now);
      RETURN QUERY SELECT l.b, l.u, l.a, l.id, v_version, v_now
        FROM unnest(v_boards, v_users, v_actions, v_ids) AS l(b, u, a, id);
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('2026_12_04_0007_admin_changes cannot be undone: restore the backup taken before it');
}
