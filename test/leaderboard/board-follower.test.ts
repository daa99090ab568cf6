import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CommittedChanges, ScoreRecord } from '../../server/domain/score-record.js';
import { BoardFollower } from '../../server/leaderboard/board-follower.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import type { LiveBus } from '../../server/live/bus/live-bus.js';
import { createLogger } from '../../server/observability/logger.js';
import type { ChangeFeed, RecordSink, ScoreStore, WindowRef } from '../../server/storage/storage.js';
import { testBoard } from '../helpers/boards.js';

/** A bus that carries nothing (Redis down, or every message lost). */
const silentBus: LiveBus = { publish: () => {}, subscribe: async () => {}, close: async () => {} };

/** The board `global` alone, with its whole window. */
const GLOBAL = testBoard();
const catalog = { get: (id: string) => (id === GLOBAL.id ? GLOBAL : undefined), list: () => [GLOBAL] };

/**
 * The shared database as one instance sees it: the board at its latest version, and a change
 * feed that keeps the changes after its horizon. `commit` is another instance's write.
 */
class SharedDatabase {
  private version = 0;
  private readonly records = new Map<string, ScoreRecord>();
  private kept: CommittedChanges[] = [];

  commit(userId: string, score: number): void {
    this.version += 1;
    const record = { userId, score, reachedSeq: this.version };
    this.records.set(userId, record);
    this.kept.push({
      version: this.version,
      changes: [{ boardId: 'global', windowKey: 'all', userId, record }],
    });
  }

  /** Drops the feed's changes up to `version` (they aged out). */
  prune(version: number): void {
    this.kept = this.kept.filter((c) => c.version > version);
  }

  readonly scores = {
    windows: async (refs: readonly WindowRef[], open: (ref: WindowRef) => RecordSink) => {
      for (const ref of refs) {
        const sink = open(ref);
        if (ref.boardId !== 'global' || ref.windowKey !== 'all') continue;
        for (const r of this.records.values()) sink(r.userId, r.score, r.reachedSeq);
      }
      return this.version;
    },
    epoch: async () => 'epoch-1',
  } as unknown as ScoreStore;

  readonly feed: ChangeFeed = {
    since: async (after, limit) => this.kept.filter((c) => c.version > after).slice(0, limit),
    horizon: async () => this.kept[0]?.version ?? this.version + 1,
  };
}

const followers: BoardFollower[] = [];
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
});

/** An instance's board and follower on `db`, loaded, with a bus that delivers nothing. */
async function instanceOn(db: SharedDatabase) {
  const board = new LeaderboardService(db.scores, catalog, 10);
  await board.load();
  const follower = new BoardFollower(board, silentBus, db.feed, createLogger('silent'));
  followers.push(follower);
  await follower.start();
  return board;
}

const WAIT = { timeout: 10_000, interval: 20 };

describe('BoardFollower', () => {
  it('tells the other instances about a commit once, however many requests it answered', async () => {
    const published: number[] = [];
    const bus: LiveBus = { ...silentBus, publish: (committed) => void published.push(committed.version) };
    const board = { apply: async () => {} };
    const follower = new BoardFollower(
      board as unknown as LeaderboardService,
      bus,
      undefined,
      createLogger('silent'),
    );
    const batch: CommittedChanges = { version: 7, changes: [] };
    const next: CommittedChanges = { version: 8, changes: [] };
    // Three requests answered by one batch, then one by the next.
    await Promise.all([follower.committed(batch), follower.committed(batch), follower.committed(batch)]);
    await follower.committed(next);
    expect(published).toEqual([7, 8]);
  });

  it("applies another instance's write through its poll of the feed while the bus carries nothing", async () => {
    const db = new SharedDatabase();
    const board = await instanceOn(db);
    db.commit('alice', 50); // on another instance; this one is idle and hears nothing
    await vi.waitFor(
      () => expect(board.snapshot()).toEqual([{ rank: 1, user_id: 'alice', score: 50 }]),
      WAIT,
    );
    expect(board.appliedVersion).toBe(1);
  });

  it("reloads the board when what it has applied is behind the feed's horizon", async () => {
    const db = new SharedDatabase();
    db.commit('alice', 10);
    const board = await instanceOn(db);
    db.commit('bob', 20);
    db.commit('carol', 30);
    db.commit('dan', 40);
    db.prune(3); // versions 2 and 3 aged out of the feed: only a reload can bring them in
    await vi.waitFor(() => expect(board.appliedVersion).toBe(4), WAIT);
    expect(board.snapshot().map((e) => [e.user_id, e.score])).toEqual([
      ['dan', 40],
      ['carol', 30],
      ['bob', 20],
      ['alice', 10],
    ]);
  });
});
