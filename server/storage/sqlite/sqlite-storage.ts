import type BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { ensureDir } from '../../config/data-dir.js';
import type { Database } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { migrations } from './migrations/index.js';
import type { Board } from '../../domain/board.js';
import type {
  AdminOrigin,
  AdminStore,
  CommitObserver,
  Erasure,
  ScoreSet,
  SeasonChange,
  SeasonStart,
  Storage,
  UserRemoval,
} from '../storage.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';

import { openConnection, synchronousPragma, type SyncMode } from './sqlite-connection.js';
import { SqliteBoardStore } from './sqlite-boards.js';
import { SqliteAuditStore, SqliteFlagStore } from './sqlite-stores.js';
import { SqliteScoreStore } from './sqlite-score-store.js';
import { SqliteWriter } from './sqlite-writer.js';

/** How the embedded storage is opened. */
export interface SqliteOptions {
  readonly file: string;
  readonly sync: SyncMode;
  readonly observe?: CommitObserver;
  /** Told about background failures (checkpoints). */
  readonly onError?: (message: string) => void;
}

/** Embedded storage: one SQLite file in WAL mode; every write through one group commit. */
export class SqliteStorage implements Storage {
  private closed = false;
  readonly scores: SqliteScoreStore;
  readonly boards: SqliteBoardStore;
  readonly audit: SqliteAuditStore;
  readonly flags: SqliteFlagStore;
  readonly admin: AdminStore;

  private constructor(
    readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
    private readonly writer: GroupCommit,
    private readonly checkpointer: Checkpointer | undefined,
  ) {
    this.scores = new SqliteScoreStore(db, writer, sqlite);
    this.boards = new SqliteBoardStore(db);
    this.audit = new SqliteAuditStore(db, writer);
    this.flags = new SqliteFlagStore(db, writer);
    this.admin = {
      startSeason: (change: SeasonChange, origin: AdminOrigin): Promise<SeasonStart | null> =>
        writer.submit({ op: 'startSeason', change, origin }),
      removeUser: (board: Board, userId: string, origin: AdminOrigin): Promise<UserRemoval | null> =>
        writer.submit({ op: 'removeUser', board, userId, origin }),
      setScore: (board: Board, userId: string, score: number, origin: AdminOrigin): Promise<ScoreSet> =>
        writer.submit({ op: 'setScore', board, userId, score, origin }),
    };
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static async open(options: SqliteOptions): Promise<SqliteStorage> {
    const { file } = options;
    if (file !== ':memory:') ensureDir(dirname(file));
    const sqlite = openConnection(file, options.sync);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      await migrateToLatest(db, migrations);
    } catch (error) {
      sqlite.close();
      throw error;
    }
    const writer = new GroupCommit(new SqliteWriter(sqlite), options.observe);
    const checkpointer =
      file === ':memory:'
        ? undefined
        : new Checkpointer(file, sqlite, synchronousPragma(options.sync), options.onError ?? (() => {}));
    return new SqliteStorage(db, sqlite, writer, checkpointer);
  }

  eraseUser(userId: string, by: string): Promise<Erasure | null> {
    return this.writer.submit({ op: 'erase', userId, by });
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.checkpointer?.stop();
    this.writer.close();
    await this.db.destroy();
  }
}
