import type { Kysely } from 'kysely';

// Frozen in time: no imports of application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('flagged_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('flag_count', 'integer', (c) => c.notNull())
    .addColumn('flagged_at', 'integer', (c) => c.notNull())
    .addColumn('cleared_at', 'integer')
    .addColumn('cleared_by', 'text')
    .execute();
  await db.schema.createIndex('flagged_users_flagged_idx').on('flagged_users').column('flagged_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('flagged_users').execute();
}
