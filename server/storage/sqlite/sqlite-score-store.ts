import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { BoardOrder } from '../../domain/board.js';
import type { ScoreRecord, UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import * as queries from '../queries/score-queries.js';
import type { RecordSink, ScoreStore, WindowRef } from '../storage.js';
import type { GroupCommit } from './group-commit.js';

/** Scores and the ledger in SQLite: writes through group commit, reads through Kysely. */
export class SqliteScoreStore implements ScoreStore {
  private readonly statements: ReturnType<typeof prepareReads>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: GroupCommit,
    sqlite: BetterSqlite3.Database,
  ) {
    this.statements = prepareReads(sqlite);
  }

  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome> {
    return this.writer.submit({ op: 'update', command, judge });
  }

  async windows(refs: readonly WindowRef[], open: (ref: WindowRef) => RecordSink): Promise<number> {
    // One connection, and writes only between turns of the event loop: scores read after the
    // version can only be newer, and applying those again later is harmless. The rows are read
    // in one synchronous pass.
    const version = await this.latestVersion();
    for (const ref of refs) this.readWindow(ref, open(ref));
    return version;
  }

  /**
   * Every record of a window, row by row, each row an array that dies young: at a million
   * users, reading through Kysely built a million row objects before the records, and the heap
   * that peak left behind stayed in the process's RSS (docs/performance.md).
   */
  private readWindow(ref: WindowRef, sink: RecordSink): void {
    const rows = this.statements.windowRows.iterate(ref.boardId, ref.windowKey) as IterableIterator<
      [string, number, number]
    >;
    for (const [userId, score, reachedSeq] of rows) sink(userId, score, reachedSeq);
  }

  windowPage(ref: WindowRef, order: BoardOrder, after: ScoreRecord | undefined, limit: number) {
    return queries.windowPage(this.db, ref, order, after, limit);
  }

  windowPageBefore(ref: WindowRef, order: BoardOrder, before: ScoreRecord, limit: number) {
    return queries.windowPageBefore(this.db, ref, order, before, limit);
  }

  countBefore(ref: WindowRef, order: BoardOrder, record: ScoreRecord) {
    return queries.countBefore(this.db, ref, order, record);
  }

  windowRecords(ref: WindowRef, userIds: readonly string[]) {
    return queries.windowRecords(this.db, ref, userIds);
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

/** The one read of the load path kept out of Kysely (see readWindow). */
function prepareReads(sqlite: BetterSqlite3.Database) {
  return {
    /** (board_id, window_key) */
    windowRows: sqlite
      .prepare('select user_id, score, reached_seq from board_scores where board_id = ? and window_key = ?')
      .raw(true),
  };
}
