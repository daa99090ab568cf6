import type { LeaderboardEntry } from '../../shared/schemas.js';
import { GLOBAL_BOARD_ID, boardSlot as slotOf, type Board, type WindowKind } from '../domain/board.js';
import { isLaterWindow, windowKindOf, windowOf } from '../domain/board-windows.js';
import { windowOfKey, type BoardWindow, type WindowSpec } from '../domain/board-window.js';
import type { BoardChange, CommittedChanges, ScoreRecord } from '../domain/score-record.js';
import type { ScoreStore, WindowRef } from '../storage/storage.js';
import { WindowLoad } from './window-load.js';
import { WindowView, entriesFrom, type Standing } from './window-view.js';

export type { BoardPage, Standing } from './window-view.js';

/**
 * Called after the top N of a window view changed, or the view rolled over to a new window,
 * with the view's new version.
 */
export type TopChangedListener = (version: number) => void;

/** The boards an instance serves (the board registry). */
export interface BoardCatalog {
  get(id: string): Board | undefined;
  list(): readonly Board[];
  /** Reads the boards again if another instance changed one (see BoardRegistry.refresh). */
  refresh?(): Promise<boolean>;
}

/**
 * Every board's current windows, in memory: one rank index per board and window kind, loaded
 * at start and kept in step with every committed change, in version (commit) order, so that
 * the top N, any user's rank, the users around them and any page of a current window are
 * answered without the database. A window rolls over when the clock passes its end or a
 * change of a later window arrives, whichever is first: nothing runs at midnight. Past
 * windows are read from the database (see BoardReads).
 * `appliedVersion` says how far it has got. Each view has a top version: the version of the
 * last change to its top N, or of the moment it began here (a rollover takes the applied
 * version then), so it never goes back within a window; `version` is `global`'s.
 * Listeners hear of each view's changes and rollovers (see onChange).
 */
export class LeaderboardService {
  private readonly views = new Map<string, WindowView>();
  /** Changes waiting for the boards to be read again, in order (see apply). */
  private catchingUp: Promise<void> | undefined;
  /** Listeners per view (board and kind); a slot without listeners has no entry. */
  private readonly listeners = new Map<string, Set<TopChangedListener>>();
  private databaseEpoch = '';
  private applied = 0;

  constructor(
    private readonly scores: ScoreStore,
    private readonly boards: BoardCatalog,
    /** The top N kept live (LEADERBOARD_SIZE), and the default page size. */
    readonly size: number,
    /** The instant by which windows are chosen (epoch ms). */
    readonly now: () => number = Date.now,
  ) {}

  /** Loads every current window (and the database's epoch); call once before serving. */
  async load(): Promise<void> {
    this.databaseEpoch = await this.scores.epoch();
    await this.reload();
  }

  /** Reads every current window afresh (consistently with its version) and tells the listeners. */
  async reload(): Promise<void> {
    const at = this.now();
    const fresh = new Map<string, WindowView>();
    const byRef = new Map<WindowRef, WindowView>();
    for (const board of this.boards.list()) {
      for (const [kind, spec] of board.windows) {
        const view = new WindowView(windowOf(spec, at), board.order);
        fresh.set(slotOf(board.id, kind), view);
        byRef.set({ boardId: board.id, windowKey: view.window.key }, view);
      }
    }
    const load = new WindowLoad(byRef);
    const version = await this.scores.windows([...byRef.keys()], load.open);
    load.finish();
    for (const [slot, view] of fresh) {
      const before = this.views.get(slot);
      const kept = before?.window.key === view.window.key ? before.version : 0;
      view.version = Math.max(kept, version);
    }
    this.views.clear();
    for (const [slot, view] of fresh) this.views.set(slot, view);
    this.applied = Math.max(this.applied, version);
    for (const slot of this.listeners.keys()) this.notify(slot);
  }

  /**
   * Applies the changes of one committed version. Versions at or below `appliedVersion` are
   * in already (a reload read past them) and are skipped; a change of a window that has ended
   * here is in the database, where past windows are read.
   */
  async apply(committed: CommittedChanges): Promise<void> {
    if (!this.catchingUp && !committed.changes.some((c) => this.unplaced(c))) {
      this.applyNow(committed);
      return;
    }
    // A change of a board, window or season this instance has not heard of yet (created or
    // started elsewhere, a moment ago): the boards are read again first, so that it lands in
    // its window; the changes after it wait their turn, in order.
    const turn = (this.catchingUp ?? Promise.resolve()).then(async () => {
      if (committed.changes.some((c) => this.unplaced(c))) await this.boards.refresh?.().catch(() => false);
      this.applyNow(committed);
    });
    this.catchingUp = turn;
    try {
      await turn;
    } finally {
      if (this.catchingUp === turn) this.catchingUp = undefined;
    }
  }

  /** Whether the boards as held cannot place a change: its board, kind or season is unknown here. */
  private unplaced({ boardId, windowKey }: BoardChange): boolean {
    const spec = this.boards.get(boardId)?.windows.get(windowKindOf(windowKey));
    if (!spec) return this.boards.refresh !== undefined;
    return spec.kind === 'season' && this.boards.refresh !== undefined && !windowOfKey(spec, windowKey);
  }

  private applyNow(committed: CommittedChanges): void {
    if (committed.version <= this.applied) return;
    this.applied = committed.version;
    const changed = new Set<string>();
    for (const { boardId, windowKey, userId, record } of committed.changes) {
      const view = this.viewFor(boardId, windowKey);
      if (!view) continue;
      const { from, to } = record ? view.index.set(record) : { from: view.index.remove(userId), to: -1 };
      if ((from >= 0 && from < this.size) || (to >= 0 && to < this.size)) {
        view.version = committed.version;
        changed.add(slotOf(boardId, windowKindOf(windowKey)));
      }
    }
    for (const slot of changed) this.notify(slot);
  }

  /**
   * The current window of a board's schedule, rolled over when the clock has passed its end;
   * undefined when the board or the schedule is unknown here.
   */
  current(boardId: string, kind: WindowKind): WindowView | undefined {
    const board = this.boards.get(boardId);
    const spec = board?.windows.get(kind);
    if (!board || !spec) return undefined;
    const slot = slotOf(boardId, kind);
    const view = this.views.get(slot);
    const window = windowOf(spec, this.now());
    if (view && !isLaterWindow(window.key, view.window.key)) return view;
    return this.roll(slot, board, window);
  }

  /** A board's schedule of a kind of window; undefined when the board or the kind is unknown here. */
  scheduleOf(boardId: string, kind: WindowKind): WindowSpec | undefined {
    return this.boards.get(boardId)?.windows.get(kind);
  }

  /** The view a change of this window belongs in: the current one, or none if it has ended. */
  private viewFor(boardId: string, windowKey: string): WindowView | undefined {
    const board = this.boards.get(boardId);
    const kind = windowKindOf(windowKey);
    const spec = board?.windows.get(kind);
    if (!board || !spec) return undefined;
    const view = this.current(boardId, kind)!;
    if (view.window.key === windowKey) return view;
    if (!isLaterWindow(windowKey, view.window.key)) return undefined;
    // A change of a later window than this clock shows: another instance's (or the
    // database's) clock is ahead; the window it names has begun.
    const window = windowOfKey(spec, windowKey);
    return window ? this.roll(slotOf(boardId, kind), board, window) : undefined;
  }

  /** A new window begins here (empty): its version is what this instance has applied so far. */
  private roll(slot: string, board: Board, window: BoardWindow): WindowView {
    const view = new WindowView(window, board.order);
    view.version = this.applied;
    this.views.set(slot, view);
    this.notify(slot);
    return view;
  }

  /** The version of the latest change applied: the boards hold every commit up to it. */
  get appliedVersion(): number {
    return this.applied;
  }

  /** The version of the last change to the top N of `global`. */
  get version(): number {
    return this.global.version;
  }

  /** The identity of the database the versions count in (see ScoreStore.epoch). */
  get epoch(): string {
    return this.databaseEpoch;
  }

  /** The board `global`'s whole window: today's board, which live subscribers follow. */
  private get global(): WindowView {
    return this.current(GLOBAL_BOARD_ID, 'all')!;
  }

  /** Users on the board `global`. */
  get users(): number {
    return this.global.users;
  }

  /** The top `limit` entries (at most N) of `global`, or of a view, for push. */
  snapshot(limit = this.size, view: WindowView = this.global): LeaderboardEntry[] {
    return entriesFrom(view.index.slice(0, Math.min(limit, this.size)), 0);
  }

  /** A user's score and rank on `global`, or undefined when they have no score. */
  standing(userId: string): Standing | undefined {
    return this.global.standing(userId);
  }

  /** The rank of a stored score (the user's current one) on a board's whole window. */
  rankOf(boardId: string, record: ScoreRecord): number {
    const position = this.current(boardId, 'all')?.index.positionOf(record.userId) ?? -1;
    if (position < 0) throw new Error(`no score on board ${boardId} for ${record.userId}`);
    return position + 1;
  }

  /**
   * Subscribes to changes of the top N of a board's window of a kind (default `global`, `all`)
   * and to its rollovers; returns the unsubscribe function.
   */
  onChange(listener: TopChangedListener, boardId = GLOBAL_BOARD_ID, kind: WindowKind = 'all'): () => void {
    const slot = slotOf(boardId, kind);
    let set = this.listeners.get(slot);
    if (!set) this.listeners.set(slot, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(slot) === set) this.listeners.delete(slot);
    };
  }

  private notify(slot: string): void {
    const set = this.listeners.get(slot);
    if (!set) return;
    const version = this.views.get(slot)?.version ?? 0;
    for (const listener of set) listener(version);
  }
}
