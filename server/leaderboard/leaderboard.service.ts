import type { LeaderboardEntry } from '../../shared/schemas.js';
import type { ScoreRecord, Storage } from '../storage/storage.js';
import { TopScores } from './top-scores.js';

/** Called after the cached top N changed, with the new version. */
export type TopChangedListener = (version: number) => void;

/**
 * The leaderboard: the cached top N plus, beyond it, the database. Every committed score
 * goes through `record`, in commit order.
 */
export class LeaderboardService {
  private readonly top: TopScores;
  private readonly listeners = new Set<TopChangedListener>();

  constructor(
    private readonly storage: Storage,
    readonly size: number,
  ) {
    this.top = new TopScores(size);
  }

  /** Loads the top N from the database; call once before serving. */
  async load(): Promise<void> {
    const asOf = await this.storage.latestSeq();
    this.top.load(await this.storage.topScores(this.size), asOf);
    this.notify();
  }

  /** Applies a committed score to the cache. */
  async record(score: ScoreRecord): Promise<void> {
    const result = this.top.apply(score);
    if (result === 'reload') {
      // Reloading reads everything committed so far; re-applying a newer record is harmless.
      await this.load();
      return;
    }
    if (result === 'changed') this.notify();
  }

  /** The current version of the cached top N. */
  get version(): number {
    return this.top.version;
  }

  /** The first `limit` entries: from memory when `limit` fits in the cache. */
  async entries(limit: number): Promise<LeaderboardEntry[]> {
    if (limit <= this.size || this.top.complete) return this.top.snapshot(limit);
    const records = await this.storage.topScores(limit);
    return records.map((r, i) => ({ rank: i + 1, user_id: r.userId, score: r.score }));
  }

  /** The cached entries, synchronously (for push). */
  snapshot(limit = this.size): LeaderboardEntry[] {
    return this.top.snapshot(Math.min(limit, this.size));
  }

  /** The rank of a stored score: from memory for the top N, else from the database. */
  async rankOf(score: ScoreRecord): Promise<number> {
    return this.top.rankOf(score) ?? (await this.storage.rankOf(score));
  }

  /** Subscribes to changes of the top N; returns the unsubscribe function. */
  onChange(listener: TopChangedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.top.version);
  }
}
