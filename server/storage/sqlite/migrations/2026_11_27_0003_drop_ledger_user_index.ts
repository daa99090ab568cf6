import type { Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Nothing reads the ledger by user, and the index cost every write (docs/performance.md).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('score_ledger_user_idx').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('score_ledger_user_idx').on('score_ledger').column('user_id').execute();
}
