import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDialect } from 'kysely';
import { defineConfig } from 'kysely-ctl';
import { loadConfig } from './server/config/config.js';
import { MIGRATIONS_FOLDER, migrationProvider } from './server/storage/migrate.js';

// The same configuration and the same migrations folder the server applies at start.
const { databaseUrl } = loadConfig();
if (/^postgres/i.test(databaseUrl)) {
  throw new Error(
    'npm run migrate handles the SQLite default; PostgreSQL is migrated by the server at start',
  );
}
if (databaseUrl !== ':memory:') mkdirSync(dirname(databaseUrl), { recursive: true });

export default defineConfig({
  dialect: new SqliteDialect({ database: new BetterSqlite3(databaseUrl) }),
  migrations: { migrationFolder: MIGRATIONS_FOLDER, provider: migrationProvider },
});
