import { boardSlot as slotOf, type Board, type WindowKind } from '../domain/board.js';
import type { LeaderboardService } from './leaderboard.service.js';
import { COALESCE_MS, LiveLeaderboard, type LeaderboardSnapshot } from './live-leaderboard.js';

/** Told of every snapshot any live board publishes. */
export type LivePublishListener = (live: LiveLeaderboard, snapshot: LeaderboardSnapshot) => void;

/**
 * The live boards being followed: one LiveLeaderboard per board and kind of window, made on
 * its first subscriber and dropped (its listener and timer with it) when its last one leaves;
 * `global`'s `all` (today's board) is kept for the life of the process. Callers acquire only
 * boards and kinds that exist (see BoardReads.schedule), so there are at most boards × kinds.
 */
export class LiveBoards {
  private readonly boards = new Map<string, LiveLeaderboard>();
  private readonly listeners = new Set<LivePublishListener>();

  constructor(
    private readonly leaderboard: LeaderboardService,
    /** `global`'s `all`, always there. */
    readonly global: LiveLeaderboard,
    private readonly intervalMs = COALESCE_MS,
  ) {
    this.wire(global);
  }

  /** The live board of a board's kind of window, held until `signal` aborts. */
  acquire(boardId: string, kind: WindowKind, signal: AbortSignal): LiveLeaderboard {
    if (boardId === this.global.boardId && kind === this.global.kind) {
      this.global.hold(signal);
      return this.global;
    }
    const slot = slotOf(boardId, kind);
    let live = this.boards.get(slot);
    if (!live) {
      live = new LiveLeaderboard(this.leaderboard, this.intervalMs, boardId, kind);
      this.wire(live);
      this.boards.set(slot, live);
    }
    const held = live;
    held.hold(signal);
    if (signal.aborted) this.release(slot, held);
    else signal.addEventListener('abort', () => this.release(slot, held), { once: true });
    return held;
  }

  /** Calls `listener` after each snapshot any live board publishes. */
  onPublish(listener: LivePublishListener): void {
    this.listeners.add(listener);
  }

  /** Boards that changed (a season started, say): their live boards look again. */
  boardsChanged(changed: readonly Board[]): void {
    const ids = new Set(changed.map((board) => board.id));
    for (const live of this.all()) if (ids.has(live.boardId)) live.refresh();
  }

  /** Live boards made now, `global`'s `all` included. */
  get size(): number {
    return this.boards.size + 1;
  }

  /** Subscriptions served by iterating a live board (tRPC's handler; see LiveLeaderboard.follow). */
  get subscriberCount(): number {
    let count = 0;
    for (const live of this.all()) count += live.subscriberCount;
    return count;
  }

  /** Publishes what is pending and stops every live board. */
  close(): void {
    for (const live of this.all()) live.close();
    this.boards.clear();
  }

  private all(): LiveLeaderboard[] {
    return [this.global, ...this.boards.values()];
  }

  private wire(live: LiveLeaderboard): void {
    live.onPublish((snapshot) => {
      for (const listener of this.listeners) listener(live, snapshot);
    });
  }

  private release(slot: string, live: LiveLeaderboard): void {
    if (live.holderCount > 0 || this.boards.get(slot) !== live) return;
    this.boards.delete(slot);
    live.close();
  }
}
