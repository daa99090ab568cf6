import type { Kysely } from 'kysely';
import type pg from 'pg';
import { GLOBAL_BOARD_ID } from '../../domain/board.js';
import type {
  BoardChange,
  CommittedChanges,
  UpdateCommand,
  UpdateOutcome,
} from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import { listEvents } from '../queries/audit-queries.js';
import { listFlaggedUsers } from '../queries/flag-queries.js';
import { writeRankMarks } from '../queries/rank-marks.js';
import * as queries from '../queries/score-queries.js';
import { KyselyWindowReads } from '../queries/window-reads.js';
import type {
  AuditStore,
  ChangeFeed,
  FlaggedUserQuery,
  FlagStore,
  NewSecurityEvent,
  ScoreStore,
  SecurityEventCount,
  SecurityEventQuery,
  RecordSink,
  WindowRef,
} from '../storage.js';
import type { PgGroupCommit } from './pg-group-commit.js';
import { inTransaction, orUnavailable } from './pg-pool.js';
import { LOCK_WINDOWS } from './pg-statements.js';

/** The statement limit of a rank-mark write: a window of up to ~100 million rows. */
const MARKS_STATEMENT_TIMEOUT_MS = 120_000;

/** Rows deleted per pruning statement. */
const PRUNE_CHUNK = 5000;
/** Rows fetched at a time when loading windows. */
const LOAD_CHUNK = 20_000;

/** Scores and the ledger in PostgreSQL. */
export class PgScoreStore extends KyselyWindowReads implements ScoreStore {
  constructor(
    db: Kysely<Database>,
    private readonly pool: pg.Pool,
    private readonly writer: PgGroupCommit,
  ) {
    super(db);
  }

  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome> {
    return this.writer.submit({ command, judge });
  }

  windows(refs: readonly WindowRef[], open: (ref: WindowRef) => RecordSink): Promise<number> {
    // One snapshot for every read, so the records are exactly the state as of the version.
    return inTransaction(this.pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
      const version = (await client.query<{ version: number }>('SELECT version FROM board_version')).rows[0]!
        .version;
      // Window by window on the primary key, fetched in chunks of arrays: pg holds one chunk at
      // a time, and the caller gets one window's rows after another.
      await client.query('SET LOCAL cursor_tuple_fraction = 1');
      for (const ref of refs) {
        const sink = open(ref);
        await client.query({
          text: `DECLARE sb_window NO SCROLL CURSOR FOR
                   SELECT user_id, score, reached_seq FROM board_scores WHERE board_id = $1 AND window_key = $2`,
          values: [ref.boardId, ref.windowKey],
        });
        for (;;) {
          const chunk = await client.query<[string, number, number]>({
            text: `FETCH ${LOAD_CHUNK} FROM sb_window`,
            rowMode: 'array',
          });
          for (const [userId, score, reachedSeq] of chunk.rows) sink(userId, score, reachedSeq);
          if (chunk.rows.length < LOAD_CHUNK) break;
        }
        await client.query('CLOSE sb_window');
      }
      return version;
    });
  }

  /**
   * Writes the window's rank marks under its lock, which orders it with erasures (see
   * LOCK_WINDOWS). It reads the whole window once (about 1.2 s a million rows), so it may run
   * past the pool's statement limit, up to MARKS_STATEMENT_TIMEOUT_MS.
   */
  protected override async writeMarks(ref: WindowRef, spacing: number): Promise<void> {
    const { sql, parameters } = writeRankMarks(this.db, ref, spacing).compile();
    await orUnavailable(() =>
      inTransaction(this.pool, 'BEGIN', async (client) => {
        await client.query(`SET LOCAL statement_timeout = ${MARKS_STATEMENT_TIMEOUT_MS}`);
        await client.query({ ...LOCK_WINDOWS, values: [[ref.boardId], [ref.windowKey]] });
        // pg reads a query's own query_timeout (the client's wait), which its types leave out.
        const write: pg.QueryConfig & { query_timeout: number } = {
          text: sql,
          values: [...parameters],
          query_timeout: MARKS_STATEMENT_TIMEOUT_MS + 1000,
        };
        await client.query(write);
      }),
    );
  }

  async latestVersion(): Promise<number> {
    return (await this.pool.query<{ version: number }>('SELECT version FROM board_version')).rows[0]!.version;
  }

  epoch(): Promise<string> {
    return queries.epoch(this.db);
  }
}

/** The audit trail in PostgreSQL. */
export class PgAuditStore implements AuditStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly pool: pg.Pool,
  ) {}

  insertEvent(e: NewSecurityEvent): Promise<number> {
    return orUnavailable(async () => {
      const result = await this.pool.query<{ id: number }>(
        `INSERT INTO security_events (kind, subject, ip, user_id, reason, created_at, last_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
        [e.kind, e.subject, e.ip, e.userId, e.reason, e.at],
      );
      return result.rows[0]!.id;
    });
  }

  addCounts(counts: readonly SecurityEventCount[]): Promise<void> {
    return orUnavailable(async () => {
      await this.pool.query(
        `UPDATE security_events AS e SET count = e.count + d.add, last_at = GREATEST(e.last_at, d.last_at)
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(id, add, last_at) WHERE e.id = d.id`,
        [counts.map((c) => c.id), counts.map((c) => c.add), counts.map((c) => c.lastAt)],
      );
    });
  }

  async prune(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await orUnavailable(() =>
        this.pool.query(
          `DELETE FROM security_events WHERE id IN
             (SELECT id FROM security_events WHERE last_at < $1 LIMIT ${PRUNE_CHUNK})`,
          [before],
        ),
      );
      total += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < PRUNE_CHUNK) return total;
    }
  }

  listEvents(query: SecurityEventQuery) {
    return listEvents(this.db, query);
  }
}

/** Flagged users in PostgreSQL. */
export class PgFlagStore implements FlagStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly pool: pg.Pool,
  ) {}

  flagUser(userId: string, reason: string): Promise<void> {
    return orUnavailable(async () => {
      await this.pool.query(
        `INSERT INTO flagged_users (user_id, reason, flag_count, flagged_at, cleared_at, cleared_by)
         VALUES ($1, $2, 1, $3, NULL, NULL)
         ON CONFLICT (user_id) DO UPDATE SET reason = $2, flag_count = flagged_users.flag_count + 1,
           flagged_at = $3, cleared_at = NULL, cleared_by = NULL`,
        [userId, reason, Date.now()],
      );
    });
  }

  clearFlag(userId: string, clearedBy: string): Promise<boolean> {
    return orUnavailable(async () => {
      const result = await this.pool.query(
        'UPDATE flagged_users SET cleared_at = $1, cleared_by = $2 WHERE user_id = $3 AND cleared_at IS NULL',
        [Date.now(), clearedBy, userId],
      );
      return (result.rowCount ?? 0) > 0;
    });
  }

  listFlaggedUsers(query: FlaggedUserQuery) {
    return listFlaggedUsers(this.db, query);
  }
}

/**
 * A change as board_changes keeps it: those recorded before there were boards name neither
 * board nor window, and were all the board `global`'s window `all`.
 */
type StoredChange = Omit<BoardChange, 'boardId' | 'windowKey'> &
  Partial<Pick<BoardChange, 'boardId' | 'windowKey'>>;

const toBoardChange = ({ boardId, windowKey, userId, record }: StoredChange): BoardChange => ({
  boardId: boardId ?? GLOBAL_BOARD_ID,
  windowKey: windowKey ?? 'all',
  userId,
  record,
});

/** The boards' change log, for instances that follow each other's writes. */
export class PgChangeFeed implements ChangeFeed {
  constructor(private readonly pool: pg.Pool) {}

  async since(after: number, limit: number): Promise<CommittedChanges[]> {
    const result = await this.pool.query<{ version: number; changes: StoredChange[] }>(
      'SELECT version, changes FROM board_changes WHERE version > $1 ORDER BY version LIMIT $2',
      [after, limit],
    );
    return result.rows.map((r) => ({ version: r.version, changes: r.changes.map(toBoardChange) }));
  }

  async horizon(): Promise<number> {
    const result = await this.pool.query<{ horizon: number }>(
      `SELECT COALESCE((SELECT min(version) FROM board_changes), (SELECT version FROM board_version) + 1) AS horizon`,
    );
    return result.rows[0]!.horizon;
  }
}
