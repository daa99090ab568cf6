import type { LeaderboardEntry } from '../../shared/schemas.js';
import { compareRecords, type ScoreRecord } from '../domain/score-record.js';

/** What applying a committed score did to the cached top N. */
export type ApplyResult = 'changed' | 'unchanged' | 'reload';

/**
 * The top N scores, in memory, kept in step with every committed write so that reading
 * (or pushing) the top N never touches the database. `version` is the version of the latest
 * change to it (versions rise in commit order), so it only ever rises, across reloads and
 * restarts alike.
 */
export class TopScores {
  private entries: ScoreRecord[] = [];
  version = 0;

  constructor(readonly size: number) {}

  /** Replaces the contents with the database's top N, as of ledger sequence `asOf`. */
  load(records: readonly ScoreRecord[], asOf: number): void {
    this.entries = [...records].sort(compareRecords).slice(0, this.size);
    this.version = Math.max(this.version, asOf);
  }

  /**
   * Applies a committed score. Idempotent: applying the same record twice changes nothing.
   * Answers 'reload' when a cached user of a full cache moved down past the rest of it, so
   * someone outside the cache may now belong in it; the caller then reloads from the database.
   */
  apply(record: ScoreRecord, version: number): ApplyResult {
    const index = this.entries.findIndex((e) => e.userId === record.userId);
    const existing = index >= 0 ? this.entries[index] : undefined;
    if (existing && existing.score === record.score && existing.reachedSeq === record.reachedSeq) {
      return 'unchanged';
    }
    const wasFull = this.entries.length >= this.size;
    const rest = index >= 0 ? this.entries.filter((_, i) => i !== index) : this.entries;
    const last = rest[rest.length - 1];
    if (existing && wasFull && compareRecords(record, existing) > 0) {
      // Moved down. With nobody else cached (N = 1), or below the last of the others, the
      // best of the uncached users may now be ahead of it.
      if (!last || compareRecords(record, last) > 0) return 'reload';
    }
    if (!existing && wasFull && last && compareRecords(record, last) > 0) return 'unchanged';
    const position = rest.findIndex((e) => compareRecords(record, e) < 0);
    const next = [...rest];
    next.splice(position < 0 ? next.length : position, 0, record);
    this.entries = next.slice(0, this.size);
    this.version = Math.max(this.version, version);
    return 'changed';
  }

  /**
   * Takes a user off the board. Answers 'reload' when they were cached and the cache was
   * full (someone outside now belongs in it), else 'changed' or 'unchanged'.
   */
  remove(userId: string, version: number): ApplyResult {
    const index = this.entries.findIndex((e) => e.userId === userId);
    if (index < 0) return 'unchanged';
    if (this.entries.length >= this.size) return 'reload';
    this.entries = this.entries.filter((_, i) => i !== index);
    this.version = Math.max(this.version, version);
    return 'changed';
  }

  /** The first `limit` entries with their ranks. */
  snapshot(limit = this.size): LeaderboardEntry[] {
    return this.entries.slice(0, limit).map((e, i) => ({ rank: i + 1, user_id: e.userId, score: e.score }));
  }

  /** The rank of a record that is in the cache, else undefined. */
  rankOf(record: ScoreRecord): number | undefined {
    const index = this.entries.findIndex((e) => e.userId === record.userId && e.score === record.score);
    return index >= 0 ? index + 1 : undefined;
  }

  /** True when the cache holds every stored score (fewer users than N). */
  get complete(): boolean {
    return this.entries.length < this.size;
  }
}
