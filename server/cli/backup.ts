import BetterSqlite3 from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { isPostgresUrl } from '../config/database-url.js';

const USAGE = `Usage: npm run backup -- <backup-file>
Copies the SQLite database named by DATABASE_URL into <backup-file>, consistently, while the
server runs (SQLite's online backup: committed transactions, WAL included). To restore: stop
the server, copy <backup-file> to DATABASE_URL's path, delete the old -wal and -shm files
beside it, start the server.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let positionals: string[];
try {
  ({ positionals } = parseArgs({ allowPositionals: true, options: {} }));
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`);
}
const [target, ...extra] = positionals;
if (!target || extra.length > 0) fail(`Name exactly one backup file.\n\n${USAGE}`);
if (existsSync(target)) fail(`${target} exists already; name a new file.`);

let databaseUrl: string;
try {
  ({ databaseUrl } = loadConfig());
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 1);
  throw error;
}
if (isPostgresUrl(databaseUrl)) {
  fail('DATABASE_URL is PostgreSQL: back it up with pg_dump (see docs/operations.md).', 1);
}
if (!existsSync(databaseUrl)) fail(`No database at ${databaseUrl} (DATABASE_URL).`, 1);

// The running server keeps writing meanwhile: SQLite's backup restarts its copy past any page
// that changes under it, and the busy timeout rides out the writer's short locks.
const source = new BetterSqlite3(databaseUrl, { fileMustExist: true });
source.pragma('busy_timeout = 5000');
try {
  const { totalPages } = await source.backup(target);
  // The copy carries the live file's WAL mode, so merely opening it would leave -wal and -shm
  // files beside it; in rollback mode it is one self-contained file (a server opening it
  // switches it back to WAL).
  const copy = new BetterSqlite3(target);
  copy.pragma('journal_mode = DELETE');
  const check = copy.pragma('integrity_check', { simple: true });
  const users = (copy.prepare('select count(*) as n from scores').get() as { n: number }).n;
  copy.close();
  if (check !== 'ok') fail(`The backup in ${target} failed its integrity check: ${String(check)}`, 1);
  const bytes = statSync(target).size;
  process.stdout.write(
    `Backed up ${databaseUrl} to ${target}: ${bytes.toLocaleString('en')} bytes (${totalPages} pages), ${users} users.\n`,
  );
} catch (error) {
  fail(`Backup failed: ${(error as Error).message}`, 1);
} finally {
  source.close();
}
