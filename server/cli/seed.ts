import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { isPostgresUrl, sqliteFileOf } from '../config/database-url.js';
import { seedPostgres } from '../storage/postgres/pg-seed.js';
import { DatabaseInUseError, lockDatabaseFile } from '../storage/sqlite/sqlite-file-lock.js';
import { seedSqlite } from '../storage/sqlite/sqlite-seed.js';

const USAGE = `Usage: npm run seed -- --users N
Fills the database DATABASE_URL names with N users seed-0 ... seed-(N-1), each with one
ledger row and a score (deterministic, with many ties), for demos and benchmarks. Users that
are there already are left as they are, so a second run with a larger N adds the rest.
On SQLite, it refuses while a server uses the file (stop it first: the server keeps the board in
memory and would never see the new users); on PostgreSQL, running instances reload.`;

/** Most users one run adds. */
const MAX_USERS = 10_000_000;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let users: number;
try {
  const { values } = parseArgs({
    options: { users: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  users = Number(values.users);
  if (!/^\d+$/.test(values.users ?? '') || users < 1 || users > MAX_USERS) {
    fail(`--users expects a whole number from 1 to ${MAX_USERS}\n\n${USAGE}`);
  }
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`);
}

let databaseUrl: string;
try {
  ({ databaseUrl } = loadConfig());
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 1);
  throw error;
}

const file = sqliteFileOf(databaseUrl);
try {
  // Held until the process exits, so that no server starts on the file halfway through.
  if (file !== undefined) lockDatabaseFile(file);
} catch (error) {
  if (error instanceof DatabaseInUseError) fail(`Seeding refused: ${error.message}; stop it first.`, 1);
  fail(`Seeding failed: ${(error as Error).message}`, 1);
}

const started = performance.now();
const progress = (done: number) =>
  process.stderr.write(`\rseed: ${done.toLocaleString('en')} / ${users.toLocaleString('en')}`);
try {
  const added = isPostgresUrl(databaseUrl)
    ? await seedPostgres(databaseUrl, users, progress)
    : await seedSqlite(databaseUrl, users, progress);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write('\n');
  process.stdout.write(
    `Seeded ${added.toLocaleString('en')} new users in ${seconds} s; seed-0 ... seed-${users - 1} are all on the board.\n`,
  );
} catch (error) {
  process.stderr.write('\n');
  fail(`Seeding failed: ${(error as Error).message}`, 1);
}
