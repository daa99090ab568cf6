import type { LeaderboardEntry } from '../../shared/schemas.js';
import type { CommittedChanges, ScoreRecord } from '../domain/score-record.js';
import type { ScoreStore } from '../storage/storage.js';
import { encodeCursor } from '../domain/page-cursor.js';
import { RankIndex } from '../domain/rank-index.js';

/** Called after the top N changed, with the new version. */
export type TopChangedListener = (version: number) => void;

/** One page of the board, and the cursor of the next (null after the last). */
export interface BoardPage {
  readonly entries: LeaderboardEntry[];
  readonly nextCursor: string | null;
}

/** A user's place on the board. */
export interface Standing {
  readonly user_id: string;
  readonly score: number;
  readonly rank: number;
}

const entriesFrom = (records: readonly ScoreRecord[], first: number): LeaderboardEntry[] =>
  records.map((r, i) => ({ rank: first + i + 1, user_id: r.userId, score: r.score }));

/**
 * The leaderboard, all of it in memory: a rank index of every user, loaded at start and kept
 * in step with every committed change, in version (commit) order, so that the top N, any
 * user's rank, the users around them and any page are answered without the database.
 * `appliedVersion` says how far it has got; `version` is the version of the last change to
 * the top N (what live subscribers are sent).
 */
export class LeaderboardService {
  private readonly index = new RankIndex();
  private readonly listeners = new Set<TopChangedListener>();
  private databaseEpoch = '';
  private applied = 0;
  private topVersion = 0;

  constructor(
    private readonly scores: ScoreStore,
    /** The top N kept live (LEADERBOARD_SIZE), and the default page size. */
    readonly size: number,
  ) {}

  /** Loads every score (and the database's epoch); call once before serving. */
  async load(): Promise<void> {
    this.databaseEpoch = await this.scores.epoch();
    await this.reload();
  }

  /** Reads the whole board afresh (consistently with its version) and tells the listeners. */
  async reload(): Promise<void> {
    const board = await this.scores.board();
    this.index.load(board.records);
    this.applied = Math.max(this.applied, board.version);
    this.topVersion = Math.max(this.topVersion, board.version);
    this.notify();
  }

  /**
   * Applies the changes of one committed version. Versions at or below `appliedVersion` are
   * in already (a reload read past them) and are skipped.
   */
  async apply(committed: CommittedChanges): Promise<void> {
    if (committed.version <= this.applied) return;
    this.applied = committed.version;
    let topChanged = false;
    for (const { userId, record } of committed.changes) {
      const { from, to } = record ? this.index.set(record) : { from: this.index.remove(userId), to: -1 };
      topChanged ||= (from >= 0 && from < this.size) || (to >= 0 && to < this.size);
    }
    if (topChanged) {
      this.topVersion = committed.version;
      this.notify();
    }
  }

  /** The version of the latest change applied: the board holds every commit up to it. */
  get appliedVersion(): number {
    return this.applied;
  }

  /** The version of the last change to the top N. */
  get version(): number {
    return this.topVersion;
  }

  /** The identity of the database the versions count in (see ScoreStore.epoch). */
  get epoch(): string {
    return this.databaseEpoch;
  }

  /** Users on the board. */
  get users(): number {
    return this.index.size;
  }

  /** The top `limit` entries (at most N), for push. */
  snapshot(limit = this.size): LeaderboardEntry[] {
    return entriesFrom(this.index.slice(0, Math.min(limit, this.size)), 0);
  }

  /** `limit` entries after the cursor's key (from the top without one). */
  page(limit: number, after?: ScoreRecord): BoardPage {
    const first = after ? this.index.positionAfter(after) : 0;
    const records = this.index.slice(first, limit);
    const last = records.at(-1);
    const more = last !== undefined && first + records.length < this.index.size;
    return { entries: entriesFrom(records, first), nextCursor: more ? encodeCursor(last) : null };
  }

  /** The first `limit` entries. */
  entries(limit: number): LeaderboardEntry[] {
    return this.page(limit).entries;
  }

  /** A user's score and rank, or undefined when they have no score. */
  standing(userId: string): Standing | undefined {
    const record = this.index.get(userId);
    if (!record) return undefined;
    return { user_id: userId, score: record.score, rank: this.index.positionOf(userId) + 1 };
  }

  /** Up to `radius` users above the user, the user, and up to `radius` below; undefined if no score. */
  around(userId: string, radius: number): LeaderboardEntry[] | undefined {
    const position = this.index.positionOf(userId);
    if (position < 0) return undefined;
    const first = Math.max(0, position - radius);
    return entriesFrom(this.index.slice(first, position - first + radius + 1), first);
  }

  /** The rank of a stored score (the user's current one). */
  rankOf(record: ScoreRecord): number {
    const position = this.index.positionOf(record.userId);
    if (position < 0) throw new Error(`no score on the board for ${record.userId}`);
    return position + 1;
  }

  /** Subscribes to changes of the top N; returns the unsubscribe function. */
  onChange(listener: TopChangedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.topVersion);
  }
}
