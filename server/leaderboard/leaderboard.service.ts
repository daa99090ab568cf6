import type { LeaderboardEntry } from '../../shared/schemas.js';
import type { ScoreRecord } from '../domain/score-record.js';
import type { ScoreStore } from '../storage/storage.js';
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
  private databaseEpoch = '';

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

  /** Applies a committed score to the cache. */
  async record(score: ScoreRecord): Promise<void> {
    const result = this.top.apply(score);
    if (result === 'reload') {
      // Reloading reads everything committed so far; re-applying a newer record is harmless.
      await this.reload();
      return;
    }
    if (result === 'changed') this.notify();
  }

  /** Takes an erased user off the board; `seq` is the erasure's ledger sequence. */
  async erased(userId: string, seq: number): Promise<void> {
    if (this.top.has(userId)) await this.reload(seq);
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

  private async reload(asOf?: number): Promise<void> {
    const latest = asOf ?? (await this.scores.latestSeq());
    this.top.load(await this.scores.topScores(this.size), latest);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.top.version);
  }
}
