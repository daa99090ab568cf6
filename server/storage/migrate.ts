import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** A static migration provider: the same list works under tsx, vitest, a bundle and kysely-ctl. */
export function migrationProvider(migrations: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => migrations };
}

/**
 * Applies every pending migration; throws with the failing migration's name. On PostgreSQL,
 * `schema` is the schema in use: Kysely looks for its own tables across every schema unless
 * told which one, and would take another schema's for ours.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  migrations: Record<string, Migration>,
  schema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(migrations),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}
