/** Whether DATABASE_URL names PostgreSQL (`postgres://` or `postgresql://`); else it is SQLite. */
export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl);
}

/** The SQLite file DATABASE_URL names; undefined for PostgreSQL and for an in-memory database. */
export function sqliteFileOf(databaseUrl: string): string | undefined {
  return isPostgresUrl(databaseUrl) || databaseUrl === ':memory:' ? undefined : databaseUrl;
}
