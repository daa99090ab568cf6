import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { ScoreRules } from '../../scores/score.rules.js';
import type { Database } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import type {
  FlaggedUserQuery,
  ScoreRecord,
  SecurityEvent,
  SecurityEventQuery,
  Storage,
  UpdateCommand,
  UpdateOutcome,
} from '../storage.js';
import * as audit from './audit-queries.js';
import { GroupCommit, type CommitObserver } from './group-commit.js';
import { ScoreWriter } from './score-writer.js';
import { Checkpointer } from './checkpointer.js';
import { openConnection, synchronousPragma, type SyncMode } from './sqlite-connection.js';

const toRecord = (row: { user_id: string; score: number; reached_seq: number }): ScoreRecord => ({
  userId: row.user_id,
  score: row.score,
  reachedSeq: row.reached_seq,
});

/** Embedded storage: one SQLite file in WAL mode; writes through group commit. */
export class SqliteStorage implements Storage {
  private closed = false;

  private constructor(
    readonly db: Kysely<Database>,
    private readonly writer: GroupCommit,
    private readonly checkpointer: Checkpointer | undefined,
  ) {}

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static async open(options: {
    file: string;
    sync: SyncMode;
    rules: ScoreRules;
    observe?: CommitObserver;
    /** Told about background failures (checkpoints). */
    onError?: (message: string) => void;
  }): Promise<SqliteStorage> {
    const { file } = options;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = openConnection(file, options.sync);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      await migrateToLatest(db);
    } catch (error) {
      sqlite.close();
      throw error;
    }
    const writer = new GroupCommit(new ScoreWriter(sqlite, options.rules), options.observe);
    const checkpointer =
      file === ':memory:'
        ? undefined
        : new Checkpointer(file, sqlite, synchronousPragma(options.sync), options.onError ?? (() => {}));
    return new SqliteStorage(db, writer, checkpointer);
  }

  applyUpdate(command: UpdateCommand, canDecrease: boolean): Promise<UpdateOutcome> {
    return this.writer.submit({ op: 'update', command, canDecrease });
  }

  recordSecurityEvent(event: SecurityEvent): Promise<void> {
    return this.writer.submit({ op: 'event', event });
  }

  async topScores(limit: number, offset = 0): Promise<ScoreRecord[]> {
    const rows = await this.db
      .selectFrom('scores')
      .select(['user_id', 'score', 'reached_seq'])
      .orderBy('score', 'desc')
      .orderBy('reached_seq', 'asc')
      .orderBy('user_id', 'asc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toRecord);
  }

  async latestSeq(): Promise<number> {
    const row = await this.db
      .selectFrom('score_ledger')
      .select((eb) => eb.fn.max('id').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  async rankOf(record: ScoreRecord): Promise<number> {
    const row = await this.db
      .selectFrom('scores')
      .select((eb) => eb.fn.countAll<number>().as('ahead'))
      // The user's own row never counts as ahead of them (it may be newer than `record`).
      .where('user_id', '!=', record.userId)
      .where((eb) =>
        eb.or([
          eb('score', '>', record.score),
          eb.and([eb('score', '=', record.score), eb('reached_seq', '<', record.reachedSeq)]),
        ]),
      )
      .executeTakeFirstOrThrow();
    return Number(row.ahead) + 1;
  }

  listSecurityEvents(query: SecurityEventQuery) {
    return audit.listSecurityEvents(this.db, query);
  }

  flagUser(userId: string, reason: string): Promise<void> {
    return this.writer.submit({ op: 'flag', userId, reason });
  }

  listFlaggedUsers(query: FlaggedUserQuery) {
    return audit.listFlaggedUsers(this.db, query);
  }

  clearFlag(userId: string, clearedBy: string): Promise<boolean> {
    return this.writer.submit({ op: 'clearFlag', userId, clearedBy });
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
