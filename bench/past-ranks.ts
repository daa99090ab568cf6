// Ranks in a past window of 1,000,000 rows, on SQLite and PostgreSQL: a rank counted row by
// row (O(rank), as before rank marks) against a rank from the marks (O(log n + K)), for one
// user and for a friends request of 100 ids (GET /boards/{b}/users?ids=, through BoardReads).
// A quick measurement, not part of `npm run bench`:
//   node --import tsx bench/past-ranks.ts [rows] [postgres-url]
// The figures go in docs/performance.md ("Ranks in past windows").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Board } from '../server/domain/board.js';
import type { ScoreRecord } from '../server/domain/score-record.js';
import { BoardReads } from '../server/leaderboard/board-reads.js';
import { LeaderboardService } from '../server/leaderboard/leaderboard.service.js';
import { PostgresStorage } from '../server/storage/postgres/postgres-storage.js';
import { RANK_MARK_SPACING } from '../server/storage/queries/rank-marks.js';
import { SqliteStorage } from '../server/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../server/storage/storage.js';
import { BOARD_SEED_CEILING, middayZone, sqliteSeedDatabase } from './boards-seed.js';
import { createBenchSchema } from './pg-schema.js';
import { PAST_BOARD, pastBoard } from './past-window-phase.js';
import { LatencyHistogram, round } from './stats.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const pgUrl = process.argv[3] ?? process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const now = Date.now();
const seedBoard = pastBoard(middayZone(now), rows, now);
const windowKey = seedBoard.windowKeys[0]!;
const board: Board = {
  id: PAST_BOARD,
  title: PAST_BOARD,
  order: 'desc',
  operator: 'total',
  rules: { min: 0, max: 1_000_000_000, maxChange: null, decrease: 'never' },
  windows: new Map([
    ['all', { kind: 'all' }],
    ['day', { kind: 'day', zone: middayZone(now) }],
  ]),
  archived: false,
};
const catalog = { get: (id: string) => (id === board.id ? board : undefined), list: () => [board] };
const ref = { boardId: PAST_BOARD, windowKey };

/**
 * User ids of the seeded window: `seed-<n>` as the PostgreSQL seed below writes them, and
 * `seed-<n>.0` as sqliteSeedDatabase does (better-sqlite3 binds its numbers as reals).
 */
type UserIds = (n: number) => string;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await work();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

async function measure(name: string, storage: Storage, userId: UserIds) {
  const anyUser = () => userId(Math.floor(Math.random() * rows));
  process.stderr.write(`past-ranks: ${name}, ${rows} rows\n`);
  const scores = storage.scores;
  const reads = new BoardReads(new LeaderboardService(scores, catalog, 10), catalog, scores);
  const day = { board: PAST_BOARD, window: 'day' as const, at: 'previous' };
  const friends = () => Array.from({ length: 100 }, () => anyUser());
  const [[deep]] = await timed(() => scores.windowRecords(ref, [userId(rows - 1)]));
  const [middle] = await scores.windowRecords(ref, [anyUser()]);
  const direct = async (record: ScoreRecord) =>
    (await timed(() => scores.countBefore(ref, 'desc', record)))[1];
  const directMiddle = [await direct(middle!), await direct(middle!), await direct(middle!)].sort(
    (a, b) => a - b,
  )[1]!;
  const [, friendsDirect] = await timed(async () => {
    for (const r of await scores.windowRecords(ref, friends())) await scores.countBefore(ref, 'desc', r);
  });
  const [, build] = await timed(() => reads.standing(day, deep!.userId));
  const single = new LatencyHistogram();
  for (let i = 0; i < 1000; i++) single.record((await timed(() => reads.standing(day, anyUser())))[1]);
  const batch = new LatencyHistogram();
  for (let i = 0; i < 100; i++) batch.record((await timed(() => reads.ofUsers(day, friends())))[1]);
  return {
    storage: name,
    rows,
    spacing: RANK_MARK_SPACING,
    directRankMiddleMs: round(directMiddle),
    directFriends100Ms: round(friendsDirect),
    marksFirstReadMs: round(build),
    markedRank: single.summary(),
    markedFriends100: batch.summary(),
  };
}

async function sqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-past-ranks-'));
  try {
    const file = join(dir, 'db.sqlite');
    await (await SqliteStorage.open({ file, sync: 'normal' })).close();
    await sqliteSeedDatabase(file).seed([seedBoard], now);
    const storage = await SqliteStorage.open({ file, sync: 'normal' });
    try {
      return await measure('SQLite', storage, (n) => `seed-${n}.0`);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres() {
  const schema = await createBenchSchema(pgUrl);
  try {
    const storage = await PostgresStorage.open({ url: schema.url });
    try {
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      // As sqliteSeedDatabase seeds the day: the same users and scores.
      await client.query(
        `INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
         SELECT $1, $2, 'seed-' || i, s, -s, i + 1, $3
         FROM (SELECT i, ((i + 1) * 2654435761) % ${BOARD_SEED_CEILING} AS s FROM generate_series(0, $4 - 1) AS i) AS g`,
        [PAST_BOARD, windowKey, now, rows],
      );
      await client.query('VACUUM ANALYZE board_scores');
      await client.end();
      return await measure('PostgreSQL', storage, (n) => `seed-${n}`);
    } finally {
      await storage.close();
    }
  } finally {
    await schema.drop();
  }
}

process.stdout.write(`${JSON.stringify(await sqlite())}\n`);
process.stdout.write(`${JSON.stringify(await postgres())}\n`);
