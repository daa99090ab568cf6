import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBoardFile } from '../../server/boards/board-file.js';
import { BoardRegistry } from '../../server/boards/board-registry.js';
import type { Board } from '../../server/domain/board.js';
import type { UpdateOutcome } from '../../server/domain/score-record.js';
import { createJudge } from '../../server/domain/score-rules.js';
import type { AdminOrigin, Storage } from '../../server/storage/storage.js';
import { command } from '../storage/storage-fixtures.js';

/** The first season's start: long past. */
const S1 = Date.parse('2026-01-01T00:00:00Z');
const ORIGIN: AdminOrigin = { by: 'ops', ip: '10.0.0.9', reason: 'because' };

/** Every operator with seasons, and a board with none. */
const FILE = parseBoardFile(
  'boards.json',
  JSON.stringify({
    boards: [
      {
        id: 'ranked',
        rules: { max_change: 1000 },
        windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }],
      },
      { id: 'coins', operator: 'increment', windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }] },
      {
        id: 'trial',
        order: 'asc',
        operator: 'best',
        rules: { min: 1 },
        windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }],
      },
      { id: 'last', operator: 'latest', windows: [{ kind: 'season', zone: 'UTC', season_starts: [S1] }] },
    ],
  }),
);

/** A storage under test, and how to read its tables behind its back. */
export interface AdminStorageUnderTest {
  readonly storage: Storage;
  /** Runs one query (no parameters) on the database. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Admins' changes to boards against a storage: what a season start does to a write judged
 * before it, which windows a removal and a set score change, with every operator. The same
 * suite runs on every storage; the answers over HTTP are in test/admin/board-admin.test.ts.
 */
export function boardAdminContract(name: string, open: () => Promise<AdminStorageUnderTest>): void {
  describe(`Admin changes to boards: ${name}`, () => {
    let t: AdminStorageUnderTest;
    let registry: BoardRegistry;
    let actions = 0;
    beforeEach(async () => {
      t = await open();
      registry = await BoardRegistry.open(
        t.storage.boards,
        { max: 1e9, maxGain: 1e9, decrease: 'never' },
        FILE,
      );
    });
    afterEach(async () => {
      await t.close();
    });

    const board = (id: string) => registry.get(id)!;
    /** A submission by the user's own token, made with `b` as it was when the request came in. */
    const submit = (b: Board, userId: string, value: number) =>
      t.storage.scores.applyUpdate(command(userId, `a${++actions}`, value, b), createJudge(b, false));
    const startSeason = async (id: string) => {
      const started = await registry.startSeason(
        id,
        (change) => t.storage.admin.startSeason(change, ORIGIN),
        'ops',
      );
      if (!started.ok) throw new Error(started.refusal.message);
      return started.value;
    };
    const windowKeys = (outcome: UpdateOutcome) =>
      outcome.kind === 'applied' ? outcome.committed.changes.map((c) => c.windowKey) : outcome.kind;
    /** The user's rows on the board: window key → score. */
    const rowsOf = async (boardId: string, userId: string) =>
      Object.fromEntries(
        (
          await t.query<{ window_key: string; score: number }>(
            `select window_key, score from board_scores where board_id = '${boardId}' and user_id = '${userId}'`,
          )
        ).map((r) => [r.window_key, Number(r.score)]),
      );

    it('counts a write made before a season start in the new season when it commits after it', async () => {
      const before = board('ranked');
      expect(windowKeys(await submit(before, 'alice', 100))).toEqual(['all', 'season:1']);
      const started = await startSeason('ranked');
      expect(started.season).toBe(2);
      // The request came in before the start: its command holds the board with one season.
      expect(windowKeys(await submit(before, 'bob', 40))).toEqual(['all', 'season:2']);
      expect(windowKeys(await submit(before, 'alice', 130))).toEqual(['all', 'season:2']);
      expect(await rowsOf('ranked', 'alice')).toEqual({ all: 130, 'season:1': 100, 'season:2': 30 });
      expect(await rowsOf('ranked', 'bob')).toEqual({ all: 40, 'season:2': 40 });
      const [ledger] = await t.query<{ created_at: number }>(
        "select created_at from score_ledger where board_id = 'ranked' and user_id = 'bob'",
      );
      expect(Number(ledger!.created_at)).toBeGreaterThanOrEqual(started.startedAt);
      // The stored board lists the start, and so does the registry after its reload.
      expect(board('ranked').windows.get('season')).toEqual({
        kind: 'season',
        zone: 'UTC',
        seasons: [S1, started.startedAt],
      });
    });

    it('removes a user from `all` and the current windows, keeping the past ones, and records it', async () => {
      await submit(board('ranked'), 'alice', 100);
      await startSeason('ranked');
      await submit(board('ranked'), 'alice', 130);
      await submit(board('ranked'), 'bob', 50);
      const removal = await t.storage.admin.removeUser(board('ranked'), 'alice', ORIGIN);
      expect(removal).toMatchObject({ score: 130, windows: ['all', 'season:2'] });
      expect(removal!.committed.changes).toEqual([
        { boardId: 'ranked', windowKey: 'all', userId: 'alice', record: null },
        { boardId: 'ranked', windowKey: 'season:2', userId: 'alice', record: null },
      ]);
      expect(await rowsOf('ranked', 'alice')).toEqual({ 'season:1': 100 });
      expect(await rowsOf('ranked', 'bob')).toEqual({ all: 50, 'season:2': 50 });
      // Nothing more to remove: nothing is written.
      const ledgerRows = async () => (await t.query('select id from score_ledger')).length;
      const count = await ledgerRows();
      expect(await t.storage.admin.removeUser(board('ranked'), 'alice', ORIGIN)).toBeNull();
      expect(await ledgerRows()).toBe(count);
      // She may come back, from nothing.
      expect(await submit(board('ranked'), 'alice', 20)).toMatchObject({
        previousScore: 0,
        record: { score: 20 },
      });
    });

    it.each([
      // operator board, runs before, the score set, and the rows after: all, the past season, the current one
      ['total', 'ranked', [100, 130], 70, { all: 70, 'season:1': 100, 'season:2': -30 }],
      ['increment', 'coins', [100, 30], 100, { all: 100, 'season:1': 100, 'season:2': 0 }],
      ['best (lower is better)', 'trial', [100, 130], 150, { all: 150, 'season:1': 100, 'season:2': 150 }],
      ['latest', 'last', [100, 130], 7, { all: 7, 'season:1': 100, 'season:2': 7 }],
    ] as const)(
      'sets a score on a %s board: the current windows the user has a score in move with it',
      async (_operator, id, [first, second], score, after) => {
        await submit(board(id), 'alice', first);
        await startSeason(id);
        await submit(board(id), 'alice', second);
        const before = await rowsOf(id, 'alice');
        const set = await t.storage.admin.setScore(board(id), 'alice', score, ORIGIN);
        expect(set.previousScore).toBe(before.all);
        expect(set.record).toEqual({ userId: 'alice', score, reachedSeq: set.record.reachedSeq });
        expect(await rowsOf(id, 'alice')).toEqual(after);
        // Every row written was reached at the set's ledger row, and is one change of it.
        const [ledger] = await t.query<{ id: number; action_id: string }>(
          `select id, action_id from score_ledger where board_id = '${id}' and action_id like 'set:%'`,
        );
        expect(set.record.reachedSeq).toBe(Number(ledger!.id));
        expect(
          set.committed.changes.map((c) => [c.windowKey, c.record?.score, c.record?.reachedSeq]),
        ).toEqual(
          ['all', 'season:2']
            .filter((key) => before[key] !== after[key as keyof typeof after])
            .map((key) => [key, after[key as keyof typeof after], Number(ledger!.id)]),
        );
      },
    );

    it('leaves alone the windows the user has no score in, and records a set that changes nothing', async () => {
      await submit(board('ranked'), 'bob', 50);
      await startSeason('ranked');
      const lowered = await t.storage.admin.setScore(board('ranked'), 'bob', 10, ORIGIN);
      expect(lowered.committed.changes.map((c) => c.windowKey)).toEqual(['all']);
      expect(await rowsOf('ranked', 'bob')).toEqual({ all: 10, 'season:1': 50 });
      // A user with none gets one on the whole board only.
      const set = await t.storage.admin.setScore(board('ranked'), 'carol', 40, ORIGIN);
      expect(set.previousScore).toBeNull();
      expect(await rowsOf('ranked', 'carol')).toEqual({ all: 40 });
      const again = await t.storage.admin.setScore(board('ranked'), 'carol', 40, ORIGIN);
      expect(again).toMatchObject({ previousScore: 40, record: set.record, committed: { changes: [] } });
      expect(
        (await t.query("select action_id from score_ledger where user_id = 'carol'")).map((r) =>
          String(r.action_id).slice(0, 4),
        ),
      ).toEqual(['set:', 'set:']);
    });

    it('refuses a season start when the stored board changed since it was read, writing nothing', async () => {
      const started = await t.storage.admin.startSeason(
        {
          boardId: 'ranked',
          expected: '{"not":"this"}',
          next: () => ({ definition: '{}', seasons: [S1, Date.now()] }),
        },
        ORIGIN,
      );
      expect(started).toBeNull();
      expect(await t.query("select id from score_ledger where action_id like 'season:%'")).toEqual([]);
      expect(await t.query("select id from security_events where kind = 'admin_action'")).toEqual([]);
      // And writes go on in season 1.
      expect(windowKeys(await submit(board('ranked'), 'alice', 10))).toEqual(['all', 'season:1']);
    });
  });
}
