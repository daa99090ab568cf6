import BetterSqlite3 from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { windowAt, type WindowSpec } from '../server/domain/board-window.js';
import type { ScoreRecord } from '../server/domain/score-record.js';

/** Seed scores are below this (as server/storage/seed-scores.ts's): updates start above it. */
export const BOARD_SEED_CEILING = 10_000;

/** A window besides `all`, in the board file's form. */
export type SeedWindow =
  { kind: 'day' | 'week'; zone: string } | { kind: 'season'; zone: string; season_starts: number[] };

/** One board of a fixture, as the board file declares it, and the users seeded on it. */
export interface SeedBoard {
  id: string;
  windows: SeedWindow[];
  /** Users `seed-<first>` ... `seed-<first + users - 1>`, one write each. */
  first: number;
  users: number;
  /**
   * The windows that write counts in besides `all`: their keys, from the server's own window
   * functions (server/domain/board-window.ts).
   */
  windowKeys: string[];
}

/** The state of a season rollover's board after the run (see SeedDatabase.seasons). */
export interface SeasonSplit {
  /** Users with a row in `all`, in `season:0`, in `season:1`. */
  all: number;
  before: number;
  after: number;
  /** Users whose `all` score is not their two season scores added (each point counted once). */
  unbalanced: number;
}

/**
 * A fixture database behind a benchmark's server, written and read behind its back by direct
 * SQL: the seeding (fast, set-based) and what the verification reads.
 */
export interface SeedDatabase {
  /**
   * Fills the migrated database (whose boards the server stored from the board file) with each
   * board's users: for each user one ledger row (their one write) and a row in `all` and in
   * each of `windowKeys`, with the same score and `reached_seq` = that ledger row's id, as one
   * write at the start of the windows leaves them. Scores are deterministic, below
   * BOARD_SEED_CEILING, with many ties. Resolves with the rows written to board_scores.
   */
  seed(boards: readonly SeedBoard[], nowMs: number): Promise<number>;
  /** Rows in the ledger. */
  ledgerRows(): Promise<number>;
  /** The action_ids of a board's ledger rows. */
  actionIds(boardId: string): Promise<Set<string>>;
  /** How a season rollover split a `total` board's points (`season:0`, then `season:1`). */
  seasons(boardId: string): Promise<SeasonSplit>;
  /** The records at these 0-based positions of a window, in its order (`desc` boards). */
  recordsAt(boardId: string, windowKey: string, positions: readonly number[]): Promise<ScoreRecord[]>;
}

/**
 * A zone whose local time is near noon now: `Etc/GMT-N` (UTC+N; IANA's sign is inverted) with
 * N picked from the UTC hour, so the seeded day and week cannot end while the benchmark runs
 * (it lasts minutes; noon is twelve hours from either midnight) and the day before is the
 * previous day window.
 */
export function middayZone(nowMs: number): string {
  const offset = 12 - new Date(nowMs).getUTCHours(); // -11 .. 12
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** The window keys of these windows at the instant, in the server's own words. */
export function keysAt(windows: readonly SeedWindow[], atMs: number): string[] {
  return windows.map((w) => windowAt(specOf(w), atMs).key);
}

function specOf(w: SeedWindow): WindowSpec {
  switch (w.kind) {
    case 'week':
      return { kind: 'week', zone: w.zone, weekStartsOn: 1 };
    case 'season':
      return { kind: 'season', zone: w.zone, seasons: w.season_starts };
    default:
      return { kind: 'day', zone: w.zone };
  }
}

/** Writes the board file (BOARDS_FILE) that declares the boards. */
export function writeBoardsFile(path: string, boards: readonly Pick<SeedBoard, 'id' | 'windows'>[]): void {
  const entries = boards.map(({ id, windows }) => ({ id, windows }));
  writeFileSync(path, `${JSON.stringify({ boards: entries }, null, 1)}\n`);
}

/** Seed user `first + i`'s score: a multiplicative hash, in SQL (both dialects). */
const SCORE_SQL = `((@first + i + 1) * 2654435761) % ${BOARD_SEED_CEILING}`;

/** A SQLite file, through its own connection for each call (the server holds another). */
export function sqliteSeedDatabase(file: string): SeedDatabase {
  const use = <T>(work: (db: BetterSqlite3.Database) => T): Promise<T> => {
    const db = new BetterSqlite3(file, { fileMustExist: true });
    try {
      return Promise.resolve(work(db));
    } finally {
      db.close();
    }
  };
  return {
    seed: (boards, nowMs) =>
      use((db) => {
        db.pragma('synchronous = OFF'); // a fixture: rebuilt whole if the machine fails meanwhile
        db.pragma('cache_size = -262144'); // 256 MiB: a board's inserts stay in memory until its commit
        const users = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @users - 1)
          SELECT @first + i AS u, 'seed-' || (@first + i) AS user_id, ${SCORE_SQL} AS score FROM n`;
        const ledger = db.prepare(
          `INSERT INTO score_ledger (id, board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
           SELECT @base + u - @first + 1, @board, user_id, user_id, score, 0, score, 'seed', NULL, @now FROM (${users})`,
        );
        const scores = db.prepare(
          `INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
           SELECT @board, @key, user_id, score, -score, @base + u - @first + 1, @now FROM (${users})`,
        );
        const lastId = db.prepare('SELECT coalesce(max(id), 0) FROM score_ledger').pluck();
        let rows = 0;
        const seedOne = db.transaction((board: SeedBoard) => {
          const params = { board: board.id, first: board.first, users: board.users, now: nowMs };
          const base = lastId.get() as number;
          ledger.run({ ...params, base });
          for (const key of ['all', ...board.windowKeys])
            rows += scores.run({ ...params, base, key }).changes;
        });
        for (const board of boards) if (board.users > 0) seedOne(board);
        db.pragma('wal_checkpoint(TRUNCATE)');
        return rows;
      }),
    ledgerRows: () => use((db) => db.prepare('SELECT count(*) FROM score_ledger').pluck().get() as number),
    actionIds: (boardId) =>
      use(
        (db) =>
          new Set(
            db
              .prepare('SELECT action_id FROM score_ledger WHERE board_id = ?')
              .pluck()
              .all(boardId) as string[],
          ),
      ),
    seasons: (boardId) =>
      use(
        (db) => db.prepare(SEASONS_SQL.replaceAll('$1', '?')).get(boardId, boardId, boardId) as SeasonSplit,
      ),
    recordsAt: (boardId, windowKey, positions) =>
      use((db) => {
        const wanted = [...positions].sort((a, b) => a - b);
        const rows = db
          .prepare(
            `SELECT user_id, score, reached_seq FROM board_scores WHERE board_id = ? AND window_key = ?
             ORDER BY sort_key, reached_seq, user_id`,
          )
          .raw(true)
          .iterate(boardId, windowKey) as IterableIterator<[string, number, number]>;
        const found: ScoreRecord[] = [];
        let position = 0;
        for (const [userId, score, reachedSeq] of rows) {
          while (wanted[found.length] === position) found.push({ userId, score, reachedSeq });
          if (found.length === wanted.length) break;
          position += 1;
        }
        return found;
      }),
  };
}

/** SeedDatabase.seasons in SQL that both dialects run (`$1`: the board, three times on SQLite). */
export const SEASONS_SQL = `SELECT count(a.user_id) AS "all", count(b.user_id) AS "before", count(c.user_id) AS "after",
    coalesce(sum(CASE WHEN a.score <> coalesce(b.score, 0) + coalesce(c.score, 0) THEN 1 ELSE 0 END), 0) AS "unbalanced"
  FROM board_scores a
  LEFT JOIN board_scores b ON b.board_id = $1 AND b.window_key = 'season:0' AND b.user_id = a.user_id
  LEFT JOIN board_scores c ON c.board_id = $1 AND c.window_key = 'season:1' AND c.user_id = a.user_id
  WHERE a.board_id = $1 AND a.window_key = 'all'`;
