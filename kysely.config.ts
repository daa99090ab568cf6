import BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDialect } from 'kysely';
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
const folder = (dialect: string) =>
  fileURLToPath(new URL(`./server/storage/${dialect}/migrations`, import.meta.url));

if (!postgres && databaseUrl !== ':memory:') ensureDir(dirname(databaseUrl));

export default defineConfig(
  postgres
    ? {
        dialect: postgresDialect(createPool(databaseUrl)),
        migrations: { migrationFolder: folder('postgres'), provider: migrationProvider(postgresMigrations) },
      }
    : {
        dialect: new SqliteDialect({ database: new BetterSqlite3(databaseUrl) }),
        migrations: { migrationFolder: folder('sqlite'), provider: migrationProvider(sqliteMigrations) },
      },
);
