import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import * as queries from '../queries/score-queries.js';
import { KyselyWindowReads } from '../queries/window-reads.js';
import type { RecordSink, ScoreStore, WindowRef } from '../storage.js';
import type { GroupCommit } from './group-commit.js';

/** Scores and the ledger in SQLite: writes through group commit, reads through Kysely (KyselyWindowReads). */
export class SqliteScoreStore extends KyselyWindowReads implements ScoreStore {
  private readonly statements: ReturnType<typeof prepareReads>;

  constructor(
    db: Kysely<Database>,
    private readonly writer: GroupCommit,
    sqlite: BetterSqlite3.Database,
  ) {
    super(db);
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
   * Every record of a window, in chunks of LOAD_CHUNK rows in user id order (a keyset on the
   * primary key), each chunk one row of three JSON arrays that SQLite aggregates and JSON.parse
   * reads: better-sqlite3 builds a JS array per row through V8's API, which took three times
   * as long for a window's rows (docs/performance.md). Nothing of a chunk outlives it but what
   * the sink keeps.
   */
  private readWindow(ref: WindowRef, sink: RecordSink): void {
    let after = '';
    for (;;) {
      const [users, scores, seqs, last, count] = this.statements.windowChunk.get(
        ref.boardId,
        ref.windowKey,
        after,
      ) as [string, string, string, string | null, number];
      const ids = JSON.parse(users) as string[];
      const values = JSON.parse(scores) as number[];
      const reached = JSON.parse(seqs) as number[];
      for (let i = 0; i < ids.length; i++) sink(ids[i]!, values[i]!, reached[i]!);
      if (count < LOAD_CHUNK || last === null) return;
      after = last;
    }
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

/** Rows of a window read at a time when loading. */
const LOAD_CHUNK = 20_000;

/** The one read of the load path kept out of Kysely (see readWindow). */
function prepareReads(sqlite: BetterSqlite3.Database) {
  return {
    /** (board_id, window_key, after user_id): the next chunk's columns, its last user id and size */
    windowChunk: sqlite
      .prepare(
        `select json_group_array(user_id), json_group_array(score), json_group_array(reached_seq), max(user_id), count(*)
         from (select user_id, score, reached_seq from board_scores
               where board_id = ? and window_key = ? and user_id > ? order by user_id limit ${LOAD_CHUNK})`,
      )
      .raw(true),
  };
}
