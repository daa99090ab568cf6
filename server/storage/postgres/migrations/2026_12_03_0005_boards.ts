import { sql, type Kysely } from 'kysely';

// Frozen in time: no imports of application code.
// Every board's definition (the board file's form, JSON), so boards created by an admin
// survive a restart and every instance serves the same ones. `revision` rises with every
// change to any board: an instance whose last seen revision is behind reloads the boards.
// Writers hold a lock on the table while they take the next revision, so revisions commit in
// order (a reader never sees revision n + 1 before n); UNIQUE keeps that true.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE boards (
    id text PRIMARY KEY,
    definition text NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    revision bigint NOT NULL UNIQUE,
    updated_at bigint NOT NULL
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('boards').execute();
}
