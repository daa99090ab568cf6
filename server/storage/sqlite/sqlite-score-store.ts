import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sortKeyOf, type BoardOrder } from '../../domain/board.js';
import type { ScoreRecord, UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import * as queries from '../queries/score-queries.js';
import type { ScoreStore, WindowRecord, WindowRef } from '../storage.js';
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

  async windows(refs: readonly WindowRef[]): Promise<{ version: number; records: WindowRecord[] }> {
    // One connection, and writes only between turns of the event loop: scores read after the
    // version can only be newer, and applying those again later is harmless.
    const version = await this.latestVersion();
    const records: WindowRecord[] = [];
    for (const ref of refs) this.readWindow(ref, records);
    return { version, records };
  }

  /**
   * Every record of a window, row by row in one synchronous pass, each row an array that dies
   * young: at a million users, reading through Kysely built a million row objects before the
   * records, and the heap that peak left behind stayed in the process's RSS (docs/performance.md).
   */
  private readWindow(ref: WindowRef, into: WindowRecord[]): void {
    const rows = this.statements.windowRows.iterate(ref.boardId, ref.windowKey) as IterableIterator<
      [string, number, number]
    >;
    for (const [userId, score, reachedSeq] of rows)
      into.push({ ...ref, record: { userId, score, reachedSeq } });
  }

  async windowPage(
    ref: WindowRef,
    order: BoardOrder,
    after: ScoreRecord | undefined,
    limit: number,
  ): Promise<ScoreRecord[]> {
    const rows = (
      after
        ? this.statements.pageAfter.all(
            ref.boardId,
            ref.windowKey,
            sortKeyOf(order, after.score),
            after.reachedSeq,
            after.userId,
            limit,
          )
        : this.statements.firstPage.all(ref.boardId, ref.windowKey, limit)
    ) as Array<[string, number, number]>;
    return rows.map(([userId, score, reachedSeq]) => ({ userId, score, reachedSeq }));
  }

  async windowPageBefore(
    ref: WindowRef,
    order: BoardOrder,
    before: ScoreRecord,
    limit: number,
  ): Promise<ScoreRecord[]> {
    if (limit <= 0) return [];
    const rows = this.statements.pageBefore.all(
      ref.boardId,
      ref.windowKey,
      sortKeyOf(order, before.score),
      before.reachedSeq,
      before.userId,
      limit,
    ) as Array<[string, number, number]>;
    return rows.reverse().map(([userId, score, reachedSeq]) => ({ userId, score, reachedSeq }));
  }

  async countBefore(ref: WindowRef, order: BoardOrder, record: ScoreRecord): Promise<number> {
    const [count] = this.statements.countBefore.get(
      ref.boardId,
      ref.windowKey,
      sortKeyOf(order, record.score),
      record.reachedSeq,
      record.userId,
    ) as [number];
    return count;
  }

  async windowRecords(ref: WindowRef, userIds: readonly string[]): Promise<ScoreRecord[]> {
    const records: ScoreRecord[] = [];
    for (const userId of new Set(userIds)) {
      const row = this.statements.userRow.get(ref.boardId, ref.windowKey, userId) as
        [string, number, number] | undefined;
      if (row) records.push({ userId: row[0], score: row[1], reachedSeq: row[2] });
    }
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

const COLUMNS = 'user_id, score, reached_seq';
const ORDER = 'order by sort_key, reached_seq, user_id';

/** The reads of windows, prepared once; each row comes back as an array. */
function prepareReads(sqlite: BetterSqlite3.Database) {
  const prepare = (text: string) => sqlite.prepare(text).raw(true);
  return {
    /** (board_id, window_key) */
    windowRows: prepare(`select ${COLUMNS} from board_scores where board_id = ? and window_key = ?`),
    /** (board_id, window_key, limit) */
    firstPage: prepare(
      `select ${COLUMNS} from board_scores where board_id = ? and window_key = ? ${ORDER} limit ?`,
    ),
    /** (board_id, window_key, sort_key, reached_seq, user_id, limit) */
    pageAfter: prepare(
      `select ${COLUMNS} from board_scores where board_id = ? and window_key = ?
       and (sort_key, reached_seq, user_id) > (?, ?, ?) ${ORDER} limit ?`,
    ),
    /** (board_id, window_key, sort_key, reached_seq, user_id, limit): nearest first */
    pageBefore: prepare(
      `select ${COLUMNS} from board_scores where board_id = ? and window_key = ?
       and (sort_key, reached_seq, user_id) < (?, ?, ?)
       order by sort_key desc, reached_seq desc, user_id desc limit ?`,
    ),
    /** (board_id, window_key, sort_key, reached_seq, user_id) */
    countBefore: prepare(
      `select count(*) from board_scores where board_id = ? and window_key = ?
       and (sort_key, reached_seq, user_id) < (?, ?, ?)`,
    ),
    /** (board_id, window_key, user_id) */
    userRow: prepare(
      `select ${COLUMNS} from board_scores where board_id = ? and window_key = ? and user_id = ?`,
    ),
  };
}
