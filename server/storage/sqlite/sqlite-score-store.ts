import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { ScoreRecord, UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import * as queries from '../queries/score-queries.js';
import type { ScoreStore } from '../storage.js';
import type { GroupCommit } from './group-commit.js';

/** Scores and the ledger in SQLite: writes through group commit, reads through Kysely. */
export class SqliteScoreStore implements ScoreStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: GroupCommit,
    private readonly sqlite: BetterSqlite3.Database,
  ) {}

  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome> {
    return this.writer.submit({ op: 'update', command, judge });
  }

  async board(): Promise<{ version: number; records: ScoreRecord[] }> {
    // One connection, and writes only between turns of the event loop: scores read after the
    // version can only be newer, and applying those again later is harmless.
    const version = await this.latestVersion();
    return { version, records: this.readAllScores() };
  }

  /**
   * Every score, row by row in one synchronous pass, each row an array that dies young: at a
   * million users, reading through Kysely built a million row objects before the records, and
   * the heap that peak left behind stayed in the process's RSS (docs/performance.md).
   */
  private readAllScores(): ScoreRecord[] {
    const query = this.db.selectFrom('scores').select(['user_id', 'score', 'reached_seq']).compile();
    const rows = this.sqlite
      .prepare(query.sql)
      .raw(true)
      .iterate(...query.parameters) as IterableIterator<[string, number, number]>;
    const records: ScoreRecord[] = [];
    for (const [userId, score, reachedSeq] of rows) records.push({ userId, score, reachedSeq });
    return records;
  }

  async latestVersion(): Promise<number> {
    // One writer commits in ledger order: the latest ledger id is the latest version.
    const row = await this.db
      .selectFrom('score_ledger')
      .select((eb) => eb.fn.max('id').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  epoch(): Promise<string> {
    return queries.epoch(this.db);
  }
}
