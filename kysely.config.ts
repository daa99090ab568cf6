import BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import { defineConfig } from 'kysely-ctl';
import { loadConfig } from './server/config/config.js';
import { ensureDir } from './server/config/data-dir.js';
import { migrationProvider } from './server/storage/migrate.js';
import { postgresDialect } from './server/storage/postgres/pg-dialect.js';
import { createMigrationPool } from './server/storage/postgres/pg-pool.js';
import { migrations as postgresMigrations } from './server/storage/postgres/migrations/index.js';
import { migrations as sqliteMigrations } from './server/storage/sqlite/migrations/index.js';

// The same configuration and the same migrations the server applies at start, for the
// database DATABASE_URL names: a SQLite file, or PostgreSQL (postgres://).
const { databaseUrl } = loadConfig();
const postgres = /^postgres(ql)?:\/\//i.test(databaseUrl);
const folder = (dialect: string) =>
  fileURLToPath(new URL(`./server/storage/${dialect}/migrations`, import.meta.url));

/**
 * A dialect's migrations: the static list the server runs (every command runs the provider) and
 * the folder `npx kysely migrate:make` writes a new one into. kysely-ctl's types take a folder or
 * a provider, not both; its commands use both, so the pair is typed as the provider alone.
 */
const migrationsOf = (dialect: string, list: Record<string, Migration>) =>
  ({ migrationFolder: folder(dialect), provider: migrationProvider(list) }) as {
    provider: MigrationProvider;
  };

if (!postgres && databaseUrl !== ':memory:') ensureDir(dirname(databaseUrl));

export default defineConfig(
  postgres
    ? {
        dialect: postgresDialect(createMigrationPool(databaseUrl)),
        migrations: migrationsOf('postgres', postgresMigrations),
      }
    : {
        dialect: new SqliteDialect({ database: new BetterSqlite3(databaseUrl) }),
        migrations: migrationsOf('sqlite', sqliteMigrations),
      },
);
