import BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDialect, type MigrationProvider } from 'kysely';
import { defineConfig } from 'kysely-ctl';
import { loadConfig } from './server/config/config.js';
import { ensureDir } from './server/config/data-dir.js';
import { migrationProvider } from './server/storage/migrate.js';
import { postgresDialect } from './server/storage/postgres/pg-dialect.js';
import { createPool } from './server/storage/postgres/pg-pool.js';
import { migrations as postgresMigrations } from './server/storage/postgres/migrations/index.js';
import { migrations as sqliteMigrations } from './server/storage/sqlite/migrations/index.js';

// The same configuration and the same migrations the server applies at start, for the
// database DATABASE_URL names: a SQLite file, or PostgreSQL (postgres://).
const { databaseUrl } = loadConfig();
const postgres = /^postgres(ql)?:\/\//i.test(databaseUrl);
// The provider runs the migrations; `kysely migrate:make` writes new files into the folder all
// the same. kysely-ctl's types allow one or the other (once `type-fest` resolves, as it does
// beside openapi-typescript), so the folder travels past them.
const migrations = (dialect: string, provider: MigrationProvider) =>
  ({
    migrationFolder: fileURLToPath(new URL(`./server/storage/${dialect}/migrations`, import.meta.url)),
    provider,
  }) as { provider: MigrationProvider };

if (!postgres && databaseUrl !== ':memory:') ensureDir(dirname(databaseUrl));

export default defineConfig(
  postgres
    ? {
        dialect: postgresDialect(createPool(databaseUrl)),
        migrations: migrations('postgres', migrationProvider(postgresMigrations)),
      }
    : {
        dialect: new SqliteDialect({ database: new BetterSqlite3(databaseUrl) }),
        migrations: migrations('sqlite', migrationProvider(sqliteMigrations)),
      },
);
