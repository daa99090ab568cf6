import { sortKeyOf, type BoardOrder } from './board.js';
import { compareParts, type ScoreRecord } from './score-record.js';

/** Records per leaf after a bulk load; a leaf splits in two past twice this. */
export const LEAF_LOAD = 256;

/** Users the columns have room for at first. */
const MIN_CAPACITY = 16;

/** Seeds the user id hash, so that which ids collide differs from one process to the next. */
const HASH_SEED = (Math.random() * 0x1_0000_0000) | 0;

/** FNV-1a over the UTF-16 code units of a user id, seeded. */
function hashOf(userId: string): number {
  let h = HASH_SEED ^ 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

/** The smallest power of two with room for `count` entries at most three quarters full. */
function tableSizeFor(count: number): number {
  let size = MIN_CAPACITY;
  while (size * 3 < count * 4) size *= 2;
  return size;
}

/**
 * Every user of one window in leaderboard order, in memory: an order-statistic tree of height
 * two. Users sit in sorted leaves of up to 512; an index over the leaves keeps each leaf's last
 * user (to find a user's leaf by binary search) and a Fenwick tree of leaf sizes (to turn a leaf
 * into the number of users before it, and a position into a leaf, in O(log n)). A user's rank,
 * the users around them and a page at any position are O(log n); an update is O(log n) plus
 * moving at most 512 numbers within one leaf. Nothing here counts rows.
 *
 * Memory is what a board of millions, or thousands of boards, costs, so a user is no object:
 * each has a slot, a number, in columns (id, sort key, reached seq; typed arrays for the
 * numbers), the leaves hold slots, and an open-addressing hash table of slots finds a user by
 * id. About 45 bytes a user besides the id string, where a record object in a Map took about 100
 * (docs/performance.md). Records are made only for what is read.
 */
export class RankIndex {
  /** Columns by slot: the user id ('' for a free slot), the sort key (sortKeyOf), the reached seq. */
  private users: string[] = [];
  private keys = new Float64Array(MIN_CAPACITY);
  private seqs = new Float64Array(MIN_CAPACITY);
  /** Slots of removed users, for reuse. */
  private free: number[] = [];
  private count = 0;
  /** Slot + 1 of each user, by hash, linear probing (0: an empty cell); at most 3/4 full. */
  private table = new Int32Array(MIN_CAPACITY);
  private leaves: number[][] = [];
  /** The last slot of each leaf. */
  private lasts: number[] = [];
  /** Fenwick tree (1-based) over leaf sizes. */
  private sizes: number[] = [0];

  /**
   * `order` is the board's (higher first by default); `leafLoad` is for tests, which want many
   * small leaves.
   */
  constructor(
    private readonly leafLoad = LEAF_LOAD,
    private readonly order: BoardOrder = 'desc',
  ) {}

  /** Users in the index. */
  get size(): number {
    return this.count;
  }

  /** Replaces the contents with `records`, which need not be sorted. O(n log n). */
  load(records: Iterable<ScoreRecord>): void {
    const users: string[] = [];
    const scores: number[] = [];
    const seqs: number[] = [];
    for (const r of records) {
      users.push(r.userId);
      scores.push(r.score);
      seqs.push(r.reachedSeq);
    }
    this.loadColumns(users, scores, seqs);
  }

  /**
   * Replaces the contents with the records whose parts are at the same place in the three lists
   * (a user listed twice keeps the last), with no object per record. O(n log n).
   */
  loadColumns(users: readonly string[], scores: ArrayLike<number>, seqs: ArrayLike<number>): void {
    const n = users.length;
    const capacity = Math.max(MIN_CAPACITY, n + (n >>> 3));
    this.users = [];
    this.keys = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.free = [];
    this.count = 0;
    this.table = new Int32Array(tableSizeFor(n));
    for (let i = 0; i < n; i++) {
      const userId = users[i]!;
      let slot = this.find(userId);
      if (slot < 0) {
        slot = this.users.length;
        this.users.push(userId);
        this.insertCell(slot);
        this.count += 1;
      }
      this.keys[slot] = sortKeyOf(this.order, scores[i]!);
      this.seqs[slot] = seqs[i]!;
    }
    const sorted = Array.from({ length: this.count }, (_, slot) => slot).sort((a, b) => this.compare(a, b));
    this.leaves = [];
    for (let i = 0; i < sorted.length; i += this.leafLoad)
      this.leaves.push(sorted.slice(i, i + this.leafLoad));
    this.reindex();
  }

  /** The user's record, if they have one. */
  get(userId: string): ScoreRecord | undefined {
    const slot = this.find(userId);
    return slot < 0 ? undefined : this.recordAt(slot);
  }

  /** The index's own string for this user id (one string per user however often asked), if it holds the user. */
  idOf(userId: string): string | undefined {
    const slot = this.find(userId);
    return slot < 0 ? undefined : this.users[slot];
  }

  /** The 0-based position of the user, or -1. */
  positionOf(userId: string): number {
    const slot = this.find(userId);
    if (slot < 0) return -1;
    const leaf = this.leafFor(slot);
    return this.before(leaf) + this.indexIn(this.leaves[leaf]!, slot);
  }

  /**
   * Puts the user's record in place (replacing their old one); answers their position before
   * (-1 if new) and after, so the caller can tell whether the top N changed. A known user keeps
   * their slot and their id string.
   */
  set(record: ScoreRecord): { from: number; to: number } {
    let slot = this.find(record.userId);
    let from = -1;
    if (slot >= 0) from = this.unplace(slot);
    else slot = this.add(record.userId);
    this.keys[slot] = sortKeyOf(this.order, record.score);
    this.seqs[slot] = record.reachedSeq;
    return { from, to: this.place(slot) };
  }

  /** Takes the user out; answers their old position, or -1 when they were not in. */
  remove(userId: string): number {
    const slot = this.find(userId);
    if (slot < 0) return -1;
    const position = this.unplace(slot);
    this.deleteCell(slot);
    this.users[slot] = '';
    this.free.push(slot);
    this.count -= 1;
    return position;
  }

  /** Up to `count` records from position `start`, in order. */
  slice(start: number, count: number): ScoreRecord[] {
    const out: ScoreRecord[] = [];
    if (start < 0 || start >= this.size || count <= 0) return out;
    let { leaf, offset } = this.locate(start);
    while (out.length < count && leaf < this.leaves.length) {
      const items = this.leaves[leaf]!;
      while (offset < items.length && out.length < count) out.push(this.recordAt(items[offset++]!));
      leaf += 1;
      offset = 0;
    }
    return out;
  }

  /** The position of the first record that comes after `key` in leaderboard order. */
  positionAfter(key: ScoreRecord): number {
    if (this.leaves.length === 0) return 0;
    const sortKey = sortKeyOf(this.order, key.score);
    const after = (slot: number) => this.compareTo(slot, sortKey, key.reachedSeq, key.userId) <= 0;
    let low = 0;
    let high = this.lasts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (after(this.lasts[mid]!)) low = mid + 1;
      else high = mid;
    }
    if (low === this.leaves.length) return this.size;
    const items = this.leaves[low]!;
    let i = 0;
    let j = items.length;
    while (i < j) {
      const mid = (i + j) >>> 1;
      if (after(items[mid]!)) i = mid + 1;
      else j = mid;
    }
    return this.before(low) + i;
  }

  private recordAt(slot: number): ScoreRecord {
    const key = this.keys[slot]!;
    // sortKeyOf undone: the key is the score, or its negation where higher is better.
    const score = this.order === 'desc' ? -key : key;
    return { userId: this.users[slot]!, score: score === 0 ? 0 : score, reachedSeq: this.seqs[slot]! };
  }

  private compare(a: number, b: number): number {
    return compareParts(
      this.keys[a]!,
      this.seqs[a]!,
      this.users[a]!,
      this.keys[b]!,
      this.seqs[b]!,
      this.users[b]!,
    );
  }

  private compareTo(slot: number, key: number, seq: number, userId: string): number {
    return compareParts(this.keys[slot]!, this.seqs[slot]!, this.users[slot]!, key, seq, userId);
  }

  /** A slot for a new user: a free one, or a new one at the end of the columns (grown as needed). */
  private add(userId: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.users.length;
      this.users.push(userId);
      if (slot >= this.keys.length) {
        const keys = new Float64Array(this.keys.length * 2);
        keys.set(this.keys);
        this.keys = keys;
        const seqs = new Float64Array(this.seqs.length * 2);
        seqs.set(this.seqs);
        this.seqs = seqs;
      }
    } else {
      this.users[slot] = userId;
    }
    if ((this.count + 1) * 4 > this.table.length * 3) this.rehash(this.table.length * 2);
    this.insertCell(slot);
    this.count += 1;
    return slot;
  }

  /** The user's slot, or -1. */
  private find(userId: string): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let i = hashOf(userId) & mask; ; i = (i + 1) & mask) {
      const cell = table[i]!;
      if (cell === 0) return -1;
      if (this.users[cell - 1] === userId) return cell - 1;
    }
  }

  private insertCell(slot: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = hashOf(this.users[slot]!) & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  /** Empties the slot's cell, moving back the cells after it that probed past it (no tombstones). */
  private deleteCell(slot: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let hole = hashOf(this.users[slot]!) & mask;
    while (table[hole] !== slot + 1) hole = (hole + 1) & mask;
    table[hole] = 0;
    for (let j = (hole + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = hashOf(this.users[table[j]! - 1]!) & mask;
      // The cell at j stays when its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      table[hole] = table[j]!;
      table[j] = 0;
      hole = j;
    }
  }

  /** A table of `size` cells holding every user in the leaves. */
  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (const items of this.leaves) for (const slot of items) this.insertCell(slot);
  }

  /** Puts a slot with its current key into the order; answers its position. */
  private place(slot: number): number {
    if (this.leaves.length === 0) {
      this.leaves = [[slot]];
      this.reindex();
      return 0;
    }
    const leaf = this.leafFor(slot);
    const items = this.leaves[leaf]!;
    const index = this.indexIn(items, slot);
    items.splice(index, 0, slot);
    if (index === items.length - 1) this.lasts[leaf] = slot;
    const position = this.before(leaf) + index;
    if (items.length > 2 * this.leafLoad) {
      this.leaves.splice(leaf + 1, 0, items.splice(this.leafLoad));
      this.reindex();
    } else {
      this.addToLeaf(leaf, 1);
    }
    return position;
  }

  /** Takes a slot out of the order (its key unchanged since it was placed); answers its old position. */
  private unplace(slot: number): number {
    const leaf = this.leafFor(slot);
    const items = this.leaves[leaf]!;
    const index = this.indexIn(items, slot);
    const position = this.before(leaf) + index;
    items.splice(index, 1);
    if (items.length === 0) {
      this.leaves.splice(leaf, 1);
      this.reindex();
    } else {
      if (index === items.length) this.lasts[leaf] = items[items.length - 1]!;
      this.addToLeaf(leaf, -1);
    }
    return position;
  }

  /** The leaf a slot belongs in: the first whose last is not before it. */
  private leafFor(slot: number): number {
    let low = 0;
    let high = this.lasts.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.lasts[mid]!, slot) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Where a slot is (or would go) in a sorted leaf. */
  private indexIn(items: readonly number[], slot: number): number {
    let low = 0;
    let high = items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(items[mid]!, slot) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Users in the leaves before `leaf` (Fenwick prefix sum). */
  private before(leaf: number): number {
    let sum = 0;
    for (let i = leaf; i > 0; i -= i & -i) sum += this.sizes[i]!;
    return sum;
  }

  /** Changes a leaf's size in the Fenwick tree. */
  private addToLeaf(leaf: number, delta: number): void {
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
