import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Admins change boards (start a season, remove a user, set a score): the ledger keeps why, in
// `reason` (null for submissions). An erasure pseudonymises the user's rows as before and clears
// their reasons too (an admin's words about them); nothing else of a row may change.
export async function up(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE score_ledger ADD COLUMN reason TEXT`.execute(trx);
    await sql`DROP TRIGGER score_ledger_no_update`.execute(trx);
    await sql`CREATE TRIGGER score_ledger_no_update BEFORE UPDATE ON score_ledger
      WHEN NOT (NEW.user_id LIKE 'erased:%' AND NEW.id = OLD.id AND NEW.action_id = OLD.action_id
        AND NEW.board_id = OLD.board_id AND NEW.value = OLD.value
        AND NEW.previous_score = OLD.previous_score AND NEW.new_score = OLD.new_score
        AND NEW.created_at = OLD.created_at AND NEW.ip IS NULL
        AND (NEW.subject = OLD.subject OR NEW.subject = NEW.user_id)
        AND (NEW.reason IS NULL OR NEW.reason IS OLD.reason))
      BEGIN SELECT RAISE(ABORT, 'score_ledger is append-only'); END`.execute(trx);
  });
}

export async function down(): Promise<void> {
  throw new Error('2026_12_04_0009_ledger_reason cannot be undone: restore the backup taken before it');
}
