import type pg from 'pg';
import { windowsAt } from '../../domain/board-windows.js';
import type { Board } from '../../domain/board.js';
import type { BoardChange, ScoreRecord } from '../../domain/score-record.js';
import {
  auditValues,
  ledgerValues,
  recordAfterSet,
  removalRecords,
  scoreSetRecords,
  seasonStartRecords,
  setChanges,
  type AdminRecords,
} from '../admin-records.js';
import type { SeasonStarts } from '../season-starts.js';
import type {
  AdminOrigin,
  AdminStore,
  ScoreSet,
  SeasonChange,
  SeasonStart,
  UserRemoval,
} from '../storage.js';
import { inTransaction, orUnavailable } from './pg-pool.js';
import { learnSeasons } from './pg-seasons.js';
import { DB_NOW_MS, LOCK_USERS } from './pg-statements.js';

/**
 * Admins' changes to boards in PostgreSQL (see AdminStore), each in a transaction of its own
 * at the database's clock. A season start holds the boards table EXCLUSIVE while it takes its
 * instant and commits; a batch of writes on a board with seasons holds it ROW SHARE from its
 * season check to its commit (sb_commit_batch), and so does a removal or a set score here:
 * each commits wholly before or wholly after the start, and counts in the season its instant
 * falls in. A removal or a set score holds the user's lock, as a batch does, so it is never
 * judged on a row a write is changing.
 */
export class PgAdminStore implements AdminStore {
  constructor(
    private readonly pool: pg.Pool,
    /** Shared with the score writer: the seasons a start here began are its to judge with. */
    private readonly seasons: SeasonStarts,
  ) {}

  async startSeason(change: SeasonChange, origin: AdminOrigin): Promise<SeasonStart | null> {
    const started = await orUnavailable(() =>
      inTransaction(this.pool, 'BEGIN', async (client) => {
        // Writes on boards with seasons that took their instant have committed; later ones wait.
        await client.query('LOCK TABLE boards IN EXCLUSIVE MODE');
        const stored = await client.query<{ definition: string }>(
          'SELECT definition FROM boards WHERE id = $1',
          [change.boardId],
        );
        if (stored.rows[0]?.definition !== change.expected) return null;
        const { definition, seasons } = change.next(await databaseNow(client));
        const startedAt = seasons.at(-1)!;
        await client.query(
          `UPDATE boards SET definition = $2, updated_at = $3,
             revision = (SELECT max(revision) + 1 FROM boards) WHERE id = $1`,
          [change.boardId, definition, startedAt],
        );
        await append(client, seasonStartRecords(change.boardId, seasons.length, startedAt, origin));
        return { season: seasons.length, startedAt, seasons };
      }),
    );
    if (!started) return null;
    this.seasons.learn(change.boardId, started.seasons);
    return { season: started.season, startedAt: started.startedAt };
  }

  removeUser(board: Board, userId: string, origin: AdminOrigin): Promise<UserRemoval | null> {
    return this.atNow(board, userId, async (client, current, now) => {
      const keys = windowsAt(current, now).map((w) => w.key);
      const deleted = await client.query<{ window_key: string; score: number }>(
        `DELETE FROM board_scores WHERE user_id = $1 AND board_id = $2 AND window_key = ANY($3::text[])
         RETURNING window_key, score`,
        [userId, board.id, keys],
      );
      if (deleted.rows.length === 0) return null;
      const removed = keys.flatMap((windowKey) => {
        const row = deleted.rows.find((r) => r.window_key === windowKey);
        return row ? [{ windowKey, score: row.score }] : [];
      });
      const removal = removalRecords(board, userId, removed, now, origin);
      await append(client, removal);
      return {
        score: removal.score,
        windows: removed.map((r) => r.windowKey),
        committed: { version: await takeVersion(client, removal.changes, now), changes: removal.changes },
      };
    });
  }

  setScore(board: Board, userId: string, score: number, origin: AdminOrigin): Promise<ScoreSet> {
    return this.atNow(board, userId, async (client, current, now) => {
      const windows = windowsAt(current, now);
      const found = await client.query<{ window_key: string; score: number; reached_seq: number }>(
        `SELECT window_key, score, reached_seq FROM board_scores
         WHERE user_id = $1 AND board_id = $2 AND window_key = ANY($3::text[])`,
        [userId, board.id, windows.map((w) => w.key)],
      );
      const before = windows.map(({ key }): ScoreRecord | undefined => {
        const row = found.rows.find((r) => r.window_key === key);
        return row && { userId, score: row.score, reachedSeq: row.reached_seq };
      });
      const set = scoreSetRecords(board, userId, score, windows, before, now, origin);
      const seq = await append(client, set);
      await client.query(
        `INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
         SELECT $1::text, w, $2::text, s, k, $6::bigint, $7::bigint FROM unnest($3::text[], $4::bigint[], $5::bigint[]) AS r(w, s, k)
         ON CONFLICT (user_id, board_id, window_key) DO UPDATE
           SET score = excluded.score, sort_key = excluded.sort_key, reached_seq = excluded.reached_seq,
               updated_at = excluded.updated_at`,
        [
          board.id,
          userId,
          set.rows.map((r) => r.windowKey),
          set.rows.map((r) => r.score),
          set.rows.map((r) => r.sortKey),
          seq,
          now,
        ],
      );
      const changes = setChanges(board.id, userId, set.rows, seq);
      return {
        previousScore: set.previousScore,
        record: recordAfterSet(changes, before[0]),
        committed: { version: await takeVersion(client, changes, now), changes },
      };
    });
  }

  /**
   * Runs `work` in a transaction that holds the user's lock (and, on a board with seasons, the
   * boards table ROW SHARE, with the season starts as stored), at the database's instant then.
   */
  private atNow<T>(
    board: Board,
    userId: string,
    work: (client: pg.PoolClient, current: Board, now: number) => Promise<T>,
  ): Promise<T> {
    return orUnavailable(() =>
      inTransaction(this.pool, 'BEGIN', async (client) => {
        await client.query({ ...LOCK_USERS, values: [[userId]] });
        if (board.windows.has('season')) {
          await client.query('LOCK TABLE boards IN ROW SHARE MODE');
          await learnSeasons(client, this.seasons, [board.id]);
        }
        return work(client, this.seasons.current(board), await databaseNow(client));
      }),
    );
  }
}

/** The database's clock now, in epoch ms. */
async function databaseNow(client: pg.PoolClient): Promise<number> {
  return (await client.query<{ now: number }>(`SELECT ${DB_NOW_MS} AS now`)).rows[0]!.now;
}

/** Appends the change's ledger row and its audit entry; resolves with the ledger row's id. */
async function append(client: pg.PoolClient, { ledger, audit }: AdminRecords): Promise<number> {
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO score_ledger
       (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    ledgerValues(ledger),
  );
  await client.query(
    `INSERT INTO security_events (kind, subject, ip, user_id, reason, created_at, last_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    auditValues(audit),
  );
  return rows[0]!.id;
}

/** Takes the next board version for these changes and records them in the change feed. */
async function takeVersion(
  client: pg.PoolClient,
  changes: readonly BoardChange[],
  now: number,
): Promise<number> {
  const version = (
    await client.query<{ version: number }>(
      'UPDATE board_version SET version = version + 1 WHERE id = 1 RETURNING version',
    )
  ).rows[0]!.version;
  await client.query('INSERT INTO board_changes (version, changes, created_at) VALUES ($1, $2, $3)', [
    version,
    JSON.stringify(changes),
    now,
  ]);
  return version;
}
