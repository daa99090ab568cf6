import type { LeaderboardEntry } from '../../shared/schemas.js';
import type { CommittedChanges, ScoreRecord } from '../domain/score-record.js';
import type { ScoreStore } from '../storage/storage.js';
import { TopScores } from './top-scores.js';

/** Called after the cached top N changed, with the new version. */
export type TopChangedListener = (version: number) => void;

/**
 * The leaderboard: the cached top N plus, beyond it, the database. Every committed change
 * goes through `apply`, in version (commit) order; `appliedVersion` says how far it has got.
 */
export class LeaderboardService {
  private readonly top: TopScores;
  private readonly listeners = new Set<TopChangedListener>();
  private databaseEpoch = '';
  private applied = 0;

  constructor(
    private readonly scores: ScoreStore,
    readonly size: number,
  ) {
    this.top = new TopScores(size);
  }

  /** Loads the top N (and the database's epoch) from the database; call once before serving. */
  async load(): Promise<void> {
    this.databaseEpoch = await this.scores.epoch();
    await this.reload();
  }

  /**
   * Applies the changes of one committed version. Versions at or below `appliedVersion` are
   * in already (a reload read past them) and are skipped.
   */
  async apply(committed: CommittedChanges): Promise<void> {
    if (committed.version <= this.applied) return;
    this.applied = committed.version;
    let changed = false;
    for (const { userId, record } of committed.changes) {
      const result = record
        ? this.top.apply(record, committed.version)
        : this.top.remove(userId, committed.version);
      if (result === 'reload') {
        // Reloading reads everything committed so far, this version included.
        await this.reload();
        return;
      }
      changed ||= result === 'changed';
    }
    if (changed) this.notify();
  }

  /** The version of the latest change applied: the cache holds every commit up to it. */
  get appliedVersion(): number {
    return this.applied;
  }

  /** The current version of the cached top N. */
  get version(): number {
    return this.top.version;
  }

  /** The identity of the database the versions count in (see ScoreStore.epoch). */
  get epoch(): string {
    return this.databaseEpoch;
  }

  /** The first `limit` entries: from memory when `limit` fits in the cache. */
  async entries(limit: number): Promise<LeaderboardEntry[]> {
    if (limit <= this.size || this.top.complete) return this.top.snapshot(limit);
    const records = await this.scores.topScores(limit);
    return records.map((r, i) => ({ rank: i + 1, user_id: r.userId, score: r.score }));
  }

  /** The cached entries, synchronously (for push). */
  snapshot(limit = this.size): LeaderboardEntry[] {
    return this.top.snapshot(Math.min(limit, this.size));
  }

  /** The rank of a stored score: from memory for the top N, else from the database. */
  async rankOf(score: ScoreRecord): Promise<number> {
    return this.top.rankOf(score) ?? (await this.scores.rankOf(score));
  }

  /** Subscribes to changes of the top N; returns the unsubscribe function. */
  onChange(listener: TopChangedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the top N afresh (consistently with its version) and tells the listeners. */
  async reload(): Promise<void> {
    const board = await this.scores.board(this.size);
    this.top.load(board.records, board.version);
    this.applied = Math.max(this.applied, board.version);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.top.version);
  }
}
