import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import type {
  FlaggedUserQuery,
  Judge,
  ScoreRecord,
  SecurityEvent,
  SecurityEventQuery,
  Storage,
  UpdateCommand,
  UpdateOutcome,
} from '../storage.js';
import * as audit from './audit-queries.js';
import { prepareStatements, type Statements } from './statements.js';
import { WriteBatcher, type CommitObserver } from './write-batcher.js';

interface ScoreRowLite {
  user_id: string;
  score: number;
  reached_seq: number;
}

const toRecord = (row: ScoreRowLite): ScoreRecord => ({
  userId: row.user_id,
  score: row.score,
  reachedSeq: row.reached_seq,
});

/** Embedded storage: one SQLite file in WAL mode, written through group commit. */
export class SqliteStorage implements Storage {
  private readonly statements: Statements;
  private readonly writes: WriteBatcher;
  private closed = false;

  private constructor(
    private readonly sqlite: BetterSqlite3.Database,
    readonly db: Kysely<Database>,
    observe?: CommitObserver,
  ) {
    this.statements = prepareStatements(db, sqlite);
    this.writes = new WriteBatcher(sqlite, observe);
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static async open(file: string, observe?: CommitObserver): Promise<SqliteStorage> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before we answer 200, even if the machine loses power.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      await migrateToLatest(db);
    } catch (error) {
      sqlite.close();
      throw error;
    }
    return new SqliteStorage(sqlite, db, observe);
  }

  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome> {
    return this.writes.submit(() => this.applyNow(command, judge));
  }

  private applyNow(command: UpdateCommand, judge: Judge): UpdateOutcome {
    const s = this.statements;
    const priorRow = s.priorAction.get(command.actionId) as
      { user_id: string; previous_score: number; new_score: number } | undefined;
    const currentRow = s.currentScore.get(command.userId) as ScoreRowLite | undefined;
    const current = currentRow && toRecord(currentRow);
    const prior = priorRow && {
      userId: priorRow.user_id,
      previousScore: priorRow.previous_score,
      newScore: priorRow.new_score,
    };
    const verdict = judge(command, current, prior);
    const now = Date.now();
    if (verdict.kind === 'refuse') {
      this.insertSecurityEvent(
        {
          kind: verdict.refusal.kind,
          subject: command.subject,
          ip: command.ip,
          userId: command.userId,
          reason: verdict.refusal.message,
        },
        now,
      );
      return { kind: 'refused', refusal: verdict.refusal };
    }
    if (verdict.kind === 'replay') {
      return { kind: 'replayed', previousScore: prior!.previousScore, record: current! };
    }
    const previousScore = current?.score ?? 0;
    const { lastInsertRowid } = s.appendLedger.run(
      command.actionId,
      command.userId,
      previousScore,
      command.newScore,
      command.subject,
      command.ip,
      now,
    );
    if (current && current.score === command.newScore) {
      // Same score again: the user keeps the moment they first reached it.
      return { kind: 'applied', previousScore, record: current };
    }
    const record = { userId: command.userId, score: command.newScore, reachedSeq: Number(lastInsertRowid) };
    s.upsertScore.run(record.userId, record.score, record.reachedSeq, now);
    return { kind: 'applied', previousScore, record };
  }

  private insertSecurityEvent(event: SecurityEvent, now: number): void {
    this.statements.appendSecurityEvent.run(
      event.kind,
      event.subject,
      event.ip,
      event.userId,
      event.reason,
      now,
    );
  }

  recordSecurityEvent(event: SecurityEvent): Promise<void> {
    return this.writes.submit(() => this.insertSecurityEvent(event, Date.now()));
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
    return audit.flagUser(this.db, userId, reason, Date.now());
  }

  listFlaggedUsers(query: FlaggedUserQuery) {
    return audit.listFlaggedUsers(this.db, query);
  }

  clearFlag(userId: string, clearedBy: string): Promise<boolean> {
    return audit.clearFlag(this.db, userId, clearedBy, Date.now());
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writes.flush();
    await this.db.destroy();
  }
}
