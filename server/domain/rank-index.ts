import { compareRecords, type ScoreRecord } from './score-record.js';

/** Records per leaf after a bulk load; a leaf splits in two past twice this. */
export const LEAF_LOAD = 256;

/**
 * Every user in leaderboard order, in memory: an order-statistic tree of height two. Records
 * sit in sorted leaves of up to 512; an index over the leaves keeps each leaf's last record
 * (to find a record's leaf by binary search) and a Fenwick tree of leaf sizes (to turn a leaf
 * into the number of users before it, and a position into a leaf, in O(log n)). A user's rank,
 * the users around them and a page at any position are O(log n); an update is O(log n) plus
 * moving at most 512 references within one leaf. Nothing here counts rows.
 */
export class RankIndex {
  private leaves: ScoreRecord[][] = [];
  /** The last record of each leaf. */
  private lasts: ScoreRecord[] = [];
  /** Fenwick tree (1-based) over leaf sizes. */
  private sizes: number[] = [0];
  private readonly byUser = new Map<string, ScoreRecord>();

  /**
   * `compare` is the board's order (higher first by default); `leafLoad` is for tests, which
   * want many small leaves.
   */
  constructor(
    private readonly leafLoad = LEAF_LOAD,
    private readonly compare: (a: ScoreRecord, b: ScoreRecord) => number = compareRecords,
  ) {}

  /** Users in the index. */
  get size(): number {
    return this.byUser.size;
  }

  /** Replaces the contents with `records`, which need not be sorted. O(n log n). */
  load(records: Iterable<ScoreRecord>): void {
    this.byUser.clear();
    for (const record of records) this.byUser.set(record.userId, record);
    const sorted = [...this.byUser.values()].sort(this.compare);
    this.leaves = [];
    for (let i = 0; i < sorted.length; i += this.leafLoad)
      this.leaves.push(sorted.slice(i, i + this.leafLoad));
    this.reindex();
  }

  /** The user's record, if they have one. */
  get(userId: string): ScoreRecord | undefined {
    return this.byUser.get(userId);
  }

  /** The 0-based position of the user, or -1. */
  positionOf(userId: string): number {
    const record = this.byUser.get(userId);
    if (!record) return -1;
    const leaf = this.leafFor(record);
    return this.before(leaf) + this.indexIn(this.leaves[leaf]!, record);
  }

  /**
   * Puts the user's record in place (replacing their old one); answers their position before
   * (-1 if new) and after, so the caller can tell whether the top N changed.
   */
  set(record: ScoreRecord): { from: number; to: number } {
    const old = this.byUser.get(record.userId);
    const from = old ? this.unplace(old) : -1;
    // A known user keeps their Map entry (set in place): a delete and a re-insert per update
    // leave a hole in the Map's table each time, and V8 rebuilds the whole table (tens of MB
    // at a million users) whenever the holes fill its spare room: garbage that raised the peak
    // RSS (docs/performance.md).
    this.byUser.set(record.userId, record);
    if (this.leaves.length === 0) {
      this.leaves = [[record]];
      this.reindex();
      return { from, to: 0 };
    }
    const leaf = this.leafFor(record);
    const items = this.leaves[leaf]!;
    const index = this.indexIn(items, record);
    items.splice(index, 0, record);
    if (index === items.length - 1) this.lasts[leaf] = record;
    const to = this.before(leaf) + index;
    if (items.length > 2 * this.leafLoad) {
      this.leaves.splice(leaf + 1, 0, items.splice(this.leafLoad));
      this.reindex();
    } else {
      this.add(leaf, 1);
    }
    return { from, to };
  }

  /** Takes the user out; answers their old position, or -1 when they were not in. */
  remove(userId: string): number {
    const record = this.byUser.get(userId);
    if (!record) return -1;
    this.byUser.delete(userId);
    return this.unplace(record);
  }

  /** Takes the record out of the order (not out of `byUser`); answers its old position. */
  private unplace(record: ScoreRecord): number {
    const leaf = this.leafFor(record);
    const items = this.leaves[leaf]!;
    const index = this.indexIn(items, record);
    const position = this.before(leaf) + index;
    items.splice(index, 1);
    if (items.length === 0) {
      this.leaves.splice(leaf, 1);
      this.reindex();
    } else {
      if (index === items.length) this.lasts[leaf] = items[items.length - 1]!;
      this.add(leaf, -1);
    }
    return position;
  }

  /** Up to `count` records from position `start`, in order. */
  slice(start: number, count: number): ScoreRecord[] {
    const out: ScoreRecord[] = [];
    if (start < 0 || start >= this.size || count <= 0) return out;
    let { leaf, offset } = this.locate(start);
    while (out.length < count && leaf < this.leaves.length) {
      const items = this.leaves[leaf]!;
      while (offset < items.length && out.length < count) out.push(items[offset++]!);
      leaf += 1;
      offset = 0;
    }
    return out;
  }

  /** The position of the first record that comes after `key` in leaderboard order. */
  positionAfter(key: ScoreRecord): number {
    if (this.leaves.length === 0) return 0;
    let low = 0;
    let high = this.lasts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.lasts[mid]!, key) <= 0) low = mid + 1;
      else high = mid;
    }
    if (low === this.leaves.length) return this.size;
    const items = this.leaves[low]!;
    let i = 0;
    let j = items.length;
    while (i < j) {
      const mid = (i + j) >>> 1;
      if (this.compare(items[mid]!, key) <= 0) i = mid + 1;
      else j = mid;
    }
    return this.before(low) + i;
  }

  /** The leaf a record belongs in: the first whose last record is not before it. */
  private leafFor(record: ScoreRecord): number {
    let low = 0;
    let high = this.lasts.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.lasts[mid]!, record) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Where `record` is (or would go) in a sorted leaf. */
  private indexIn(items: readonly ScoreRecord[], record: ScoreRecord): number {
    let low = 0;
    let high = items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(items[mid]!, record) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Records in the leaves before `leaf` (Fenwick prefix sum). */
  private before(leaf: number): number {
    let sum = 0;
    for (let i = leaf; i > 0; i -= i & -i) sum += this.sizes[i]!;
    return sum;
  }

  private add(leaf: number, delta: number): void {
    for (let i = leaf + 1; i < this.sizes.length; i += i & -i) this.sizes[i]! += delta;
  }

  /** The leaf and offset of a position (Fenwick descent). */
  private locate(position: number): { leaf: number; offset: number } {
    let leaf = 0;
    let rest = position;
    let step = 1;
    while (step * 2 < this.sizes.length) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = leaf + step;
      if (next < this.sizes.length && this.sizes[next]! <= rest) {
        leaf = next;
        rest -= this.sizes[next]!;
      }
    }
    return { leaf, offset: rest };
  }

  /** Rebuilds the leaf index after leaves were split, dropped or loaded. O(leaves). */
  private reindex(): void {
    this.lasts = this.leaves.map((items) => items[items.length - 1]!);
    this.sizes = [0, ...this.leaves.map((items) => items.length)];
    for (let i = 1; i < this.sizes.length; i++) {
      const parent = i + (i & -i);
      if (parent < this.sizes.length) this.sizes[parent]! += this.sizes[i]!;
    }
  }
}
