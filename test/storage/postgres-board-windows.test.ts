import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Board, BoardOperator, BoardOrder, WindowKind } from '../../server/domain/board.js';
import type { WindowSpec } from '../../server/domain/board-window.js';
import { windowsAt } from '../../server/domain/board-windows.js';
import type { BoardChange, ScoreRecord, UpdateOutcome } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { createPool } from '../../server/storage/postgres/pg-pool.js';
import { PgScoreWriter } from '../../server/storage/postgres/pg-score-writer.js';
import { COMMIT_BATCH } from '../../server/storage/postgres/pg-statements.js';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { readWindows } from '../helpers/read-windows.js';
import { command, recordStatements } from './storage-fixtures.js';
import { pastWindowRanksContract } from '../contracts/past-window-ranks.contract.js';

// One schema for the file; each test writes boards and users of its own.
let schema: TestSchema;
let storage: PostgresStorage;
let reader: pg.Pool;
beforeAll(async () => {
  schema = await freshSchema();
  storage = await PostgresStorage.open({ url: schema.url });
  reader = createPool(schema.url, 2);
});
afterAll(async () => {
  await reader?.end();
  await storage?.close();
  await schema?.drop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * An Etc/GMT zone where it is now about noon: its next midnight, where every day and week of
 * these boards resets, is hours away, so the windows of a test's writes are those of its start.
 */
function zoneNearNoon(ms: number): string {
  const offset = 12 - new Date(ms).getUTCHours(); // hours east of UTC, -11..12
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
const ZONE = zoneNearNoon(Date.now());
const SPECS: Record<'all' | 'day' | 'week', WindowSpec> = {
  all: { kind: 'all' },
  day: { kind: 'day', zone: ZONE },
  week: { kind: 'week', zone: ZONE, weekStartsOn: 1 },
};

/** A board with these windows (`all` always first). */
function board(
  id: string,
  operator: BoardOperator,
  windows: ReadonlyArray<[WindowKind, WindowSpec]>,
  order: BoardOrder = 'desc',
): Board {
  return {
    id,
    title: id,
    order,
    operator,
    rules: { min: 0, max: 1_000_000_000, maxChange: null, decrease: 'never' },
    windows: new Map([['all', SPECS.all], ...windows.filter(([kind]) => kind !== 'all')]),
    archived: false,
  };
}
/** The board with the windows all, day and week. */
const withDayAndWeek = (id: string, operator: BoardOperator, order: BoardOrder = 'desc') =>
  board(
    id,
    operator,
    [
      ['day', SPECS.day],
      ['week', SPECS.week],
    ],
    order,
  );
/** A board with a season window whose seasons start at these instants. */
const seasonal = (id: string, seasons: number[]) =>
  board(id, 'total', [['season', { kind: 'season', zone: 'UTC', seasons }]]);

const update = (b: Board, userId: string, actionId: string, value: number) =>
  storage.scores.applyUpdate(command(userId, actionId, value, b), createJudge(b, false));

async function rows<T extends pg.QueryResultRow = any>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await reader.query<T>(text, values)).rows;
}

/** The user's rows on the board: window key → [score, sort key, reached seq]. */
async function windowRows(boardId: string, userId: string): Promise<Record<string, number[]>> {
  const found = await rows<{ window_key: string; score: number; sort_key: number; reached_seq: number }>(
    'SELECT window_key, score, sort_key, reached_seq FROM board_scores WHERE board_id = $1 AND user_id = $2',
    [boardId, userId],
  );
  return Object.fromEntries(found.map((r) => [r.window_key, [r.score, r.sort_key, r.reached_seq]]));
}

/** The board's ledger rows of the user, oldest first. */
function ledger(boardId: string, userId: string) {
  return rows<{
    id: number;
    action_id: string;
    value: number;
    previous_score: number;
    new_score: number;
    created_at: number;
  }>(
    `SELECT id, action_id, value, previous_score, new_score, created_at FROM score_ledger
     WHERE board_id = $1 AND user_id = $2 ORDER BY id`,
    [boardId, userId],
  );
}

/** The database's clock, epoch ms. */
async function dbNow(): Promise<number> {
  return (
    await rows<{ now: number }>('SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now')
  )[0]!.now;
}

/** The keys of the board's windows at the instant, by kind. */
function keysAt(b: Board, ms: number): string[] {
  return windowsAt(b, ms).map((w) => w.key);
}

const applied = (o: UpdateOutcome) => {
  if (o.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(o)}`);
  return o;
};

describe('PostgreSQL boards and windows', () => {
  it('scores each operator in the windows all, day and week, from the whole board before', async () => {
    // Each board first had the window `all` alone, then gained a day and a week. `expected`:
    // all, day and week after each submission but the first.
    // prettier-ignore
    const cases: Array<{ operator: BoardOperator; values: number[]; expected: number[][] }> = [
      { operator: 'total', values: [100, 150, 170], expected: [[150, 50, 50], [170, 70, 70]] },
      { operator: 'best', values: [90, 50, 30, 95], expected: [[90, 50, 50], [90, 50, 50], [95, 95, 95]] },
      { operator: 'latest', values: [90, 50, 70], expected: [[50, 50, 50], [70, 70, 70]] },
      { operator: 'increment', values: [10, 5, 7], expected: [[15, 5, 5], [22, 12, 12]] },
    ];
    for (const { operator, values, expected } of cases) {
      const id = `op-${operator}`;
      const before = board(id, operator, []);
      const after = withDayAndWeek(id, operator);
      const first = applied(await update(before, 'u1', 'a0', values[0]!));
      expect(first).toMatchObject({ previousScore: 0, changed: true, record: { score: values[0] } });
      const outcomes: UpdateOutcome[] = [];
      for (let i = 1; i < values.length; i++) outcomes.push(await update(after, 'u1', `a${i}`, values[i]!));
      const written = await ledger(id, 'u1');
      const [all, day, week] = keysAt(after, written.at(-1)!.created_at);
      expect(keysAt(after, written[1]!.created_at)).toEqual([all, day, week]);
      expect(day).toMatch(/^day:\d{4}-\d{2}-\d{2}$/);
      expect(week).toMatch(/^week:\d{4}-\d{2}-\d{2}$/);

      // Each submission's ledger row: what was sent, and the whole board before and after.
      let previous = 0;
      const allScores = [values[0]!, ...expected.map((e) => e[0]!)];
      expect(written.map((r) => [r.action_id, r.value, r.previous_score, r.new_score])).toEqual(
        values.map((value, i) => {
          const row = [`a${i}`, value, previous, allScores[i]];
          previous = allScores[i]!;
          return row;
        }),
      );
      const final = expected.at(-1)!;
      const seqs = written.map((r) => r.id);
      let record = first.record;
      outcomes.forEach((o, i) => {
        const a = applied(o);
        expect(a.previousScore).toBe(allScores[i]);
        // The record is the `all` window's: the same one while the score on the board stays.
        if (a.record.score !== record.score)
          record = { userId: 'u1', score: a.record.score, reachedSeq: seqs[i + 1]! };
        expect(a.record).toEqual(record);
        expect(a.record.score).toBe(expected[i]![0]);
        expect(a.changed).toBe(a.committed.changes.length > 0);
        for (const change of a.committed.changes) {
          expect(change).toMatchObject({ boardId: id, userId: 'u1', record: { reachedSeq: seqs[i + 1] } });
        }
      });
      const stored = await windowRows(id, 'u1');
      expect(Object.keys(stored).sort()).toEqual([all, day, week].sort());
      expect([stored[all!]![0], stored[day!]![0], stored[week!]![0]]).toEqual(final);
      // Higher is better: the sort key is the score negated.
      for (const [score, sortKey] of Object.values(stored)) expect(sortKey).toBe(-score!);
    }
    // A worse `best` run is a ledger row that changes no window.
    const bestRuns = await ledger('op-best', 'u1');
    expect(bestRuns).toHaveLength(4);
    const stored = await windowRows('op-best', 'u1');
    expect(Object.values(stored).map(([, , seq]) => seq)).not.toContain(bestRuns[2]!.id);
  });

  it('answers a worse best run applied, unchanged, with the record and changes it left', async () => {
    const b = withDayAndWeek('runs', 'best');
    const first = applied(await update(b, 'amy', 'r1', 50));
    const worse = applied(await update(b, 'amy', 'r2', 30));
    expect(worse).toEqual({
      kind: 'applied',
      previousScore: 50,
      record: first.record,
      changed: false,
      committed: { version: first.committed.version + 1, changes: [] },
    });
    const [all, day, week] = keysAt(b, (await ledger('runs', 'amy'))[0]!.created_at);
    expect(first.committed.changes).toEqual(
      [all, day, week].map((windowKey) => ({
        boardId: 'runs',
        windowKey,
        userId: 'amy',
        record: first.record,
      })),
    );
  });

  it('judges later jobs of a batch on the earlier ones, per board and user', async () => {
    const inc = withDayAndWeek('batch-inc', 'increment');
    const total = board('batch-total', 'total', [['day', SPECS.day]]);
    const writer = new PgScoreWriter(reader);
    const job = (b: Board, user: string, action: string, value: number) => ({
      command: command(user, action, value, b),
      judge: createJudge(b, false),
    });
    const outcomes = await writer.commit([
      job(inc, 'kim', 'k1', 5),
      job(total, 'kim', 'k1', 40), // the same action id on another board is another action
      job(inc, 'kim', 'k2', 7),
      job(inc, 'kim', 'k1', 5), // a replay of the first, in the same batch
      job(total, 'kim', 'k2', 30), // lower than the 40 just applied: refused
      job(inc, 'lee', 'k1', 1),
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual([
      'applied',
      'applied',
      'applied',
      'replayed',
      'refused',
      'applied',
    ]);
    expect(outcomes[2]).toMatchObject({ previousScore: 5, record: { score: 12 } });
    expect(outcomes[3]).toEqual({
      kind: 'replayed',
      prior: { userId: 'kim', value: 5, previousScore: 0, newScore: 5 },
      current: applied(outcomes[2]!).record,
    });
    expect(outcomes[4]).toMatchObject({ refusal: { kind: 'score_rule' } });
    const committed = applied(outcomes[0]!).committed;
    // One version; each window row once, with the record the batch left in it.
    const ledgerIds = new Map(
      (await rows('SELECT board_id, user_id, action_id, id FROM score_ledger')).map((r) => [
        `${r.board_id} ${r.user_id} ${r.action_id}`,
        Number(r.id),
      ]),
    );
    const [, day, week] = keysAt(inc, await dbNow());
    /** The change of a window row to the record `action` of the user left there. */
    const change = (boardId: string, windowKey: string, userId: string, score: number, action: string) => ({
      boardId,
      windowKey,
      userId,
      record: { userId, score, reachedSeq: ledgerIds.get(`${boardId} ${userId} ${action}`) },
    });
    expect(committed.changes).toEqual([
      ...['all', day!, week!].map((key) => change('batch-inc', key, 'kim', 12, 'k2')),
      ...['all', day!].map((key) => change('batch-total', key, 'kim', 40, 'k1')),
      ...['all', day!, week!].map((key) => change('batch-inc', key, 'lee', 1, 'k1')),
    ]);
    const versions = outcomes.filter((o) => o.kind === 'applied').map((o) => applied(o).committed);
    expect(new Set(versions)).toEqual(new Set([committed]));
    const [feed] = await storage.changes.since(committed.version - 1, 1);
    expect(feed).toEqual(committed);
  });

  it('replays an action with what was submitted, per board', async () => {
    const best = withDayAndWeek('replay-best', 'best');
    const inc = board('replay-inc', 'increment', []);
    const first = applied(await update(best, 'max', 'm1', 50));
    expect(applied(await update(best, 'max', 'm2', 30)).changed).toBe(false);
    expect(await update(best, 'max', 'm2', 30)).toEqual({
      kind: 'replayed',
      prior: { userId: 'max', value: 30, previousScore: 50, newScore: 50 },
      current: first.record,
    });
    expect(await update(best, 'max', 'm2', 50)).toMatchObject({
      kind: 'refused',
      refusal: { kind: 'conflict' },
    });
    await update(inc, 'max', 'm2', 4);
    await update(inc, 'max', 'm4', 6);
    expect(await update(inc, 'max', 'm2', 4)).toEqual({
      kind: 'replayed',
      prior: { userId: 'max', value: 4, previousScore: 0, newScore: 4 },
      current: { userId: 'max', score: 10, reachedSeq: (await ledger('replay-inc', 'max'))[1]!.id },
    });
  });

  it('pages, counts and finds records of a window in either order, with ties by who reached it first', async () => {
    const sprint = board('sprint', 'best', [['day', SPECS.day]], 'asc');
    const high = board('high', 'best', [], 'desc');
    for (const [user, value] of [
      ['amy', 6200],
      ['amy', 5900],
      ['amy', 6100],
      ['ben', 5900],
      ['cat', 7000],
      ['dan', 5000],
    ] as const) {
      await update(sprint, user, `${user}-${value}`, value);
      await update(high, user, `${user}-${value}`, value);
    }
    const [, day] = keysAt(sprint, (await ledger('sprint', 'dan'))[0]!.created_at);
    // Lower is better: the sort key is the score itself.
    const amy = await windowRows('sprint', 'amy');
    expect([amy.all!.slice(0, 2), amy[day!]!.slice(0, 2)]).toEqual([
      [5900, 5900],
      [5900, 5900],
    ]);
    const pages = async (ref: { boardId: string; windowKey: string }, order: BoardOrder) => {
      const seen: ScoreRecord[][] = [];
      let after: ScoreRecord | undefined;
      for (;;) {
        const page = await storage.scores.windowPage(ref, order, after, 2);
        if (page.length === 0) return seen;
        seen.push(page);
        after = page.at(-1);
      }
    };
    const users = (records: ScoreRecord[][]) => records.map((p) => p.map((r) => `${r.userId} ${r.score}`));
    expect(users(await pages({ boardId: 'sprint', windowKey: day! }, 'asc'))).toEqual([
      ['dan 5000', 'amy 5900'],
      ['ben 5900', 'cat 7000'],
    ]);
    expect(users(await pages({ boardId: 'high', windowKey: 'all' }, 'desc'))).toEqual([
      ['cat 7000', 'amy 6200'],
      ['ben 5900', 'dan 5000'],
    ]);
    const ben = (await storage.scores.windowRecords({ boardId: 'sprint', windowKey: 'all' }, ['ben']))[0]!;
    expect(await storage.scores.countBefore({ boardId: 'sprint', windowKey: 'all' }, 'asc', ben)).toBe(2);
    expect(
      await storage.scores.countBefore({ boardId: 'high', windowKey: 'all' }, 'desc', {
        ...ben,
        userId: 'zed',
      }),
    ).toBe(2);
    const found = await storage.scores.windowRecords({ boardId: 'sprint', windowKey: day! }, [
      'cat',
      'nobody',
      'amy',
    ]);
    expect(found.map((r) => `${r.userId} ${r.score}`).sort()).toEqual(['amy 5900', 'cat 7000']);
    expect(
      await storage.scores.windowRecords({ boardId: 'sprint', windowKey: 'day:1999-01-01' }, ['amy']),
    ).toEqual([]);
    expect(await storage.scores.windowRecords({ boardId: 'sprint', windowKey: 'all' }, [])).toEqual([]);

    // The records of several windows, as of the version read with them.
    const loaded = await readWindows(storage.scores, [
      { boardId: 'sprint', windowKey: day! },
      { boardId: 'high', windowKey: 'all' },
    ]);
    expect(loaded.version).toBe(await storage.scores.latestVersion());
    expect(loaded.records).toHaveLength(8);
    expect(loaded.records).toContainEqual({
      boardId: 'high',
      windowKey: 'all',
      record: { userId: 'amy', score: 6200, reachedSeq: (await ledger('high', 'amy'))[0]!.id },
    });
  });

  it('rolls a season over when the next one starts, leaving the past season as it ended', async () => {
    const start = (await dbNow()) - 86_400_000;
    const season1 = seasonal('ranked', [start]);
    applied(await update(season1, 'ann', 's1', 100));
    applied(await update(season1, 'ann', 's2', 120));
    // An admin starts the next season now.
    const second = await dbNow();
    const season2 = seasonal('ranked', [start, second]);
    const next = applied(await update(season2, 'ann', 's3', 130));
    expect(next).toMatchObject({ previousScore: 120, record: { score: 130 }, changed: true });
    expect(next.committed.changes.map((c) => c.windowKey)).toEqual(['all', 'season:2']);
    const ids = (await ledger('ranked', 'ann')).map((r) => r.id);
    // A total counts the points gained within the window.
    expect(await windowRows('ranked', 'ann')).toEqual({
      all: [130, -130, ids[2]],
      'season:1': [120, -120, ids[1]],
      'season:2': [10, -10, ids[2]],
    });
    // A season that has not started yet takes nothing.
    const announced = seasonal('ranked', [start, second, (await dbNow()) + 86_400_000]);
    applied(await update(announced, 'ann', 's4', 135));
    const s4 = (await ledger('ranked', 'ann'))[3]!.id;
    expect(await windowRows('ranked', 'ann')).toEqual({
      all: [135, -135, s4],
      'season:1': [120, -120, ids[1]],
      'season:2': [15, -15, s4],
    });
  });

  it('counts a write in the season its commit falls in, on either side of the start', async () => {
    const start = (await dbNow()) + 300;
    const b = seasonal('rollover', [start - 86_400_000, start]);
    const before = applied(await update(b, 'bo', 'r1', 10));
    expect(before.committed.changes.map((c) => c.windowKey)).toEqual(['all', 'season:1']);
    await until(async () => (await dbNow()) >= start, 'the database clock to pass the season start');
    const after = applied(await update(b, 'bo', 'r2', 25));
    expect(after.committed.changes.map((c) => c.windowKey)).toEqual(['all', 'season:2']);
    const stored = await windowRows('rollover', 'bo');
    expect([stored['season:1']![0], stored['season:2']![0]]).toEqual([10, 15]);
  });

  it('reads and judges a batch again when a reset comes between its read and its commit', async () => {
    const start = (await dbNow()) + 400;
    const b = seasonal('straddle', [start - 86_400_000, start]);
    const pool = createPool(schema.url, 2);
    try {
      const calls = recordStatements(pool, async (name, done) => {
        // The first read sees season 1; the reset passes before the batch is sent.
        if (name === 'read' && done.length === 1)
          await until(async () => (await dbNow()) >= start, 'the database clock to pass the season start');
      });
      const [outcome] = await new PgScoreWriter(pool).commit([
        { command: command('cy', 'c1', 40, b), judge: createJudge(b, false) },
      ]);
      // The first commit refused (SB003); the retry, in a transaction of its own, read season 2.
      expect(calls).toEqual(['read', 'commit SB003']);
      expect(applied(outcome!).committed.changes.map((c) => c.windowKey)).toEqual(['all', 'season:2']);
      const [row] = await ledger('straddle', 'cy');
      expect(row!.created_at).toBeGreaterThanOrEqual(start);
      expect(Object.keys(await windowRows('straddle', 'cy')).sort()).toEqual(['all', 'season:2']);
    } finally {
      await pool.end();
    }
  });

  it('refuses a commit outside its validity range with SB003, writing nothing', async () => {
    const call = (from: number | null, until: number | null) =>
      reader.query({
        ...COMMIT_BATCH,
        values: [
          ['vi'],
          ['valid'],
          ['all'],
          ['vi'],
          [null],
          [null],
          ['valid'],
          ['v1'],
          ['vi'],
          [3],
          [0],
          [3],
          ['vi'],
          [null],
          ['valid'],
          ['all'],
          ['vi'],
          [3],
          [-3],
          ['v1'],
          from,
          until,
          // No board of the batch keeps seasons.
          [],
          [],
        ],
      });
    const version = await storage.scores.latestVersion();
    const now = await dbNow();
    await expect(call(now - 60_000, now - 1)).rejects.toMatchObject({ code: 'SB003' });
    await expect(call(now + 60_000, null)).rejects.toMatchObject({ code: 'SB003' });
    expect(await storage.scores.latestVersion()).toBe(version);
    expect(await rows("SELECT 1 FROM score_ledger WHERE board_id = 'valid'")).toEqual([]);
    // Inside the range: the commit instant is the rows' time, and is returned.
    const [result] = (await call(now - 60_000, now + 3_600_000)).rows;
    expect(result).toMatchObject({ o_board_id: 'valid', o_user_id: 'vi', o_version: version + 1 });
    const [ledgerRow] = await ledger('valid', 'vi');
    expect(ledgerRow!.created_at).toBe(result.o_now);
    expect(await rows("SELECT updated_at FROM board_scores WHERE board_id = 'valid'")).toEqual([
      { updated_at: result.o_now },
    ]);
  });

  it('reads the windows in force at the database clock when this process clock is off', async () => {
    const now = await dbNow();
    const b = seasonal('skewed', [now - 86_400_000, now - 60_000]);
    const realNow = Date.now.bind(Date);
    // Ten minutes behind: this process would think season 1 still runs.
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 600_000);
    const writer = new PgScoreWriter(reader);
    const job = (action: string, value: number) => ({
      command: command('sk', action, value, b),
      judge: createJudge(b, false),
    });
    const [first] = await writer.commit([job('k1', 5)]);
    expect(applied(first!).committed.changes.map((c) => c.windowKey)).toEqual(['all', 'season:2']);
    const [second] = await writer.commit([job('k2', 8)]);
    expect(applied(second!).committed.changes.map((c) => c.windowKey)).toEqual(['all', 'season:2']);
    expect(Object.keys(await windowRows('skewed', 'sk')).sort()).toEqual(['all', 'season:2']);
  });

  it('loses nothing when two instances race on one user across boards', async () => {
    const other = await PostgresStorage.open({ url: schema.url });
    try {
      const boards = [
        board('race-total', 'total', [['week', SPECS.week]]),
        withDayAndWeek('race-inc', 'increment'),
        withDayAndWeek('race-best', 'best', 'asc'),
      ];
      const before = await storage.scores.latestVersion();
      const outcomes = await Promise.all(
        Array.from({ length: 150 }, (_, i) => {
          const b = boards[i % 3]!;
          const s = i % 2 === 0 ? storage : other;
          const value =
            b.operator === 'increment'
              ? (i % 5) + 1
              : b.operator === 'total'
                ? 10 + ((i * 37) % 120)
                : 1000 - ((i * 53) % 400);
          return s.scores.applyUpdate(command('racer', `r${i}`, value, b), createJudge(b, false));
        }),
      );
      expect(
        outcomes
          .filter((o) => o.kind === 'refused')
          .every((o) => o.kind === 'refused' && o.refusal.kind === 'score_rule'),
      ).toBe(true);
      for (const b of boards) {
        const written = await ledger(b.id, 'racer');
        expect(written).toHaveLength(
          outcomes.filter((o, i) => i % 3 === boards.indexOf(b) && o.kind === 'applied').length,
        );
        // Each accepted update starts from the score the one before it left on its board.
        let score = 0;
        for (const row of written) {
          expect(row.previous_score).toBe(score);
          if (b.operator === 'increment') expect(row.new_score).toBe(score + row.value);
          if (b.operator === 'total') expect(row.new_score).toBeGreaterThanOrEqual(score);
          score = row.new_score;
        }
        const [all, ...windows] = keysAt(b, written[0]!.created_at);
        const stored = await windowRows(b.id, 'racer');
        expect(stored[all!]![0]).toBe(score);
        // Every write fell in the same day and week: those windows hold the same as `all`,
        // save a total, which counts from the first write of the window (its previous score).
        for (const key of windows)
          expect(stored[key]![0]).toBe(b.operator === 'total' ? score - written[0]!.previous_score : score);
      }
      // Versions in commit order with no gaps; the feed replays to the stored rows.
      const latest = await storage.scores.latestVersion();
      const feed = await other.changes.since(before, 10_000);
      expect(feed.map((c) => c.version)).toEqual(
        Array.from({ length: latest - before }, (_, i) => before + i + 1),
      );
      const replayed = new Map<string, ScoreRecord>();
      for (const { changes } of feed)
        for (const c of changes as BoardChange[])
          replayed.set(`${c.boardId} ${c.windowKey} ${c.userId}`, c.record!);
      const stored = await rows(
        "SELECT board_id, window_key, user_id, score, reached_seq FROM board_scores WHERE user_id = 'racer'",
      );
      expect(
        new Map(
          stored.map((r) => [
            `${r.board_id} ${r.window_key} ${r.user_id}`,
            { userId: r.user_id, score: r.score, reachedSeq: r.reached_seq },
          ]),
        ),
      ).toEqual(replayed);
    } finally {
      await other.close();
    }
  });

  it('writes the rank marks of an ended window once when two instances race to read ranks there', async () => {
    const b = seasonal('marked', [(await dbNow()) - 86_400_000]);
    const users = Array.from({ length: 23 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    for (const [i, user] of users.entries()) applied(await update(b, user, 'm', 100 + (i % 4)));
    const ref = { boardId: 'marked', windowKey: 'season:1' };
    const records = await storage.scores.windowRecords(ref, users);
    const counted = await Promise.all(records.map((r) => storage.scores.countBefore(ref, 'desc', r)));
    const other = await PostgresStorage.open({ url: schema.url });
    try {
      const marked = await Promise.all(
        records.map((r, i) => (i % 2 === 0 ? storage : other).scores.countBeforeEnded(ref, 'desc', r, 5)),
      );
      expect(marked).toEqual(counted);
    } finally {
      await other.close();
    }
    // Every fifth record of the window's order, with how many are ahead of it.
    const ordered = [...records].sort((x, y) => counted[records.indexOf(x)]! - counted[records.indexOf(y)]!);
    expect(
      await rows(
        "SELECT user_id, ahead FROM rank_marks WHERE board_id = 'marked' AND window_key = 'season:1' ORDER BY ahead",
      ),
    ).toEqual([0, 5, 10, 15, 20].map((ahead) => ({ user_id: ordered[ahead]!.userId, ahead })));
  });

  it('erases a user from every board and window, removing each row, and pseudonymises every board ledger', async () => {
    const b = withDayAndWeek('erase-me', 'increment');
    await update(b, 'eve', 'e1', 3);
    await update(b, 'eve', 'e2', 4);
    await update(board('global', 'total', []), 'eve', 'g1', 70);
    const held = await rows<{ board_id: string; window_key: string }>(
      'SELECT board_id, window_key FROM board_scores WHERE user_id = \'eve\' ORDER BY board_id, window_key COLLATE "C"',
    );
    expect(held).toHaveLength(4);
    const erasure = await storage.eraseUser('eve', 'admin');
    expect(erasure).toMatchObject({ score: 70, ledgerRows: 3 });
    expect(erasure!.committed.changes).toEqual(
      held.map((r) => ({ boardId: r.board_id, windowKey: r.window_key, userId: 'eve', record: null })),
    );
    expect(await rows("SELECT 1 FROM board_scores WHERE user_id = 'eve'")).toEqual([]);
    expect(await rows("SELECT 1 FROM score_ledger WHERE user_id = 'eve' OR subject = 'eve'")).toEqual([]);
    expect(
      await rows('SELECT board_id, value FROM score_ledger WHERE user_id = $1 ORDER BY id', [
        erasure!.pseudonym,
      ]),
    ).toEqual([
      { board_id: 'erase-me', value: 3 },
      { board_id: 'erase-me', value: 4 },
      { board_id: 'global', value: 70 },
      { board_id: 'global', value: 0 },
    ]);
    // Someone with no score on `global`: their other boards still go.
    await update(b, 'fay', 'f1', 2);
    expect(await storage.eraseUser('fay', 'admin')).toMatchObject({ score: null, ledgerRows: 1 });
    expect(await storage.eraseUser('fay', 'admin')).toBeNull();
  });
});

pastWindowRanksContract('PostgreSQL', async () => {
  const own = await freshSchema();
  const opened = await PostgresStorage.open({ url: own.url });
  return {
    storage: opened,
    close: async () => {
      await opened.close();
      await own.drop();
    },
  };
});
