import { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import type { CommitObserver } from '../storage.js';
import type { AdminStore, Erasure, Storage } from '../storage.js';
import { SeasonStarts } from '../season-starts.js';
import { PgAdminStore } from './pg-admin.js';
import { migrations } from './migrations/index.js';
import { PgGroupCommit } from './pg-group-commit.js';
import { eraseUser } from './pg-erasure.js';
import { postgresDialect } from './pg-dialect.js';
import { checkout, createMigrationPool, createPool } from './pg-pool.js';
import { PgScoreWriter } from './pg-score-writer.js';
import { PgBoardStore } from './pg-boards.js';
import { PgAuditStore, PgChangeFeed, PgFlagStore, PgScoreStore } from './pg-stores.js';

/** Key of the session advisory lock held while migrating (any constant). */
const MIGRATION_LOCK = 7_340_770;
/** How long committed changes stay in the feed for instances that follow each other. */
export const CHANGES_KEPT_MS = 3_600_000;
const PRUNE_CHANGES_EVERY_MS = 600_000;

/** How the PostgreSQL storage is opened. */
export interface PostgresOptions {
  readonly url: string;
  readonly observe?: CommitObserver;
  /** Told about background failures (pruning). */
  readonly onError?: (message: string) => void;
}

/**
 * Scale-out storage: PostgreSQL through a pg pool, shared by every instance. Reads through
 * Kysely's PostgresDialect; updates through one group commit per instance (PgScoreWriter).
 */
export class PostgresStorage implements Storage {
  readonly scores: PgScoreStore;
  readonly boards: PgBoardStore;
  readonly audit: PgAuditStore;
  readonly flags: PgFlagStore;
  readonly changes: PgChangeFeed;
  readonly admin: AdminStore;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly db: Kysely<Database>,
    private readonly pool: pg.Pool,
    private readonly writer: PgGroupCommit,
    seasons: SeasonStarts,
    onError: (message: string) => void,
  ) {
    this.scores = new PgScoreStore(db, pool, writer);
    this.boards = new PgBoardStore(db, pool);
    this.audit = new PgAuditStore(db, pool);
    this.flags = new PgFlagStore(db, pool);
    this.changes = new PgChangeFeed(pool);
    this.admin = new PgAdminStore(pool, seasons);
    this.timer = setInterval(() => {
      pool
        .query('DELETE FROM board_changes WHERE created_at < $1', [Date.now() - CHANGES_KEPT_MS])
        .catch((error: unknown) => onError(`could not prune board changes: ${String(error)}`));
    }, PRUNE_CHANGES_EVERY_MS);
    this.timer.unref();
  }

  /** Brings the schema up to date (see migrate), then connects. */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
    const onError = options.onError ?? (() => {});
    const lost = (error: Error) => onError(`lost an idle database connection: ${String(error)}`);
    await migrate(options.url, lost);
    const pool = createPool(options.url, undefined, lost);
    const db = new Kysely<Database>({ dialect: postgresDialect(pool) });
    const seasons = new SeasonStarts();
    const writer = new PgGroupCommit(new PgScoreWriter(pool, seasons), options.observe);
    return new PostgresStorage(db, pool, writer, seasons, onError);
  }

  eraseUser(userId: string, by: string): Promise<Erasure | null> {
    return eraseUser(this.pool, userId, by);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.writer.close();
    await this.db.destroy();
  }
}

/**
 * Brings the schema up to date, on connections of its own with no limit on a statement (see
 * createMigrationPool). Several instances may start at once on an empty database: they take
 * turns on a session advisory lock around the migrations.
 */
async function migrate(url: string, lost: (error: Error) => void): Promise<void> {
  const pool = createMigrationPool(url, lost);
  const db = new Kysely<any>({ dialect: postgresDialect(pool) });
  try {
    const lock = await checkout(pool);
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const schema = (await lock.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!
        .schema;
      await migrateToLatest(db, migrations, schema);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      lock.release();
    }
  } finally {
    await db.destroy();
  }
}
