import { EventEmitter } from 'node:events';
import type { LeaderboardEntry, WindowInfo } from '../../shared/schemas.js';
import { GLOBAL_BOARD_ID, type WindowKind } from '../domain/board.js';
import { isLaterWindow } from '../domain/board-windows.js';
import { windowInfo } from './board-reads.js';
import type { LeaderboardService } from './leaderboard.service.js';

/** One published state of the top N of a window. */
export interface LeaderboardSnapshot {
  /** The database the version counts in (see ScoreStore.epoch). */
  readonly epoch: string;
  /** The window's top version (see LeaderboardService): it never goes back within a window. */
  readonly version: number;
  /** The window in force the entries are of. */
  readonly window: WindowInfo;
  readonly entries: readonly LeaderboardEntry[];
}

/** Where a subscriber is: the window and the version of the last snapshot it has. */
export interface LivePoint {
  readonly key: string;
  readonly version: number;
}

export const pointOf = (snapshot: LeaderboardSnapshot): LivePoint => ({
  key: snapshot.window.key,
  version: snapshot.version,
});

/**
 * Whether a snapshot is news to a subscriber at `seen` (undefined: it has nothing): a later
 * window (a reset), or a later version of the same one. Never an earlier window: a subscriber
 * given the next window the moment it began is not sent the last of the one before.
 */
export const isNewer = (snapshot: LeaderboardSnapshot, seen: LivePoint | undefined): boolean =>
  seen === undefined ||
  (snapshot.window.key === seen.key
    ? snapshot.version > seen.version
    : isLaterWindow(snapshot.window.key, seen.key));

interface Waiter {
  readonly after: LivePoint | undefined;
  resolve(snapshot: LeaderboardSnapshot | undefined): void;
}

/** How often a resuming subscriber checks whether this instance has caught up with it. */
const REACH_POLL_MS = 25;

/** Longest a change waits before it is pushed while frames are being coalesced. */
export const COALESCE_MS = 40;

/** Longest a rollover timer is set for (setTimeout's limit is 2^31-1 ms); it is set again after. */
export const MAX_ROLLOVER_WAIT_MS = 2 ** 30;
/**
 * How long the rollover timer waits when the window it published has ended but no later one is
 * in force here yet (this clock behind the schedule's, or the board no longer keeps the kind):
 * it looks again then, rather than at once in a loop.
 */
export const ROLLOVER_RETRY_MS = 1000;

/**
 * Turns changes of the cached top N of one board's window of a kind (default `global`, `all`)
 * into published snapshots, at most one per `COALESCE_MS`: the first change after a quiet
 * spell goes out at once, later ones in the same window are folded into one trailing
 * snapshot, so the final state always arrives. The window in force is followed: when it ends
 * (the clock passes its end, an admin starts a season, a change of a later window arrives),
 * the next window's snapshot is published. For the clock, a timer is set to the window's end
 * while anyone holds the board (see hold); nothing runs for boards nobody follows.
 */
export class LiveLeaderboard {
  private readonly events = new EventEmitter();
  private readonly waiters = new Set<Waiter>();
  private latest: LeaderboardSnapshot;
  private lastPublishedAt = 0;
  private followers = 0;
  private holders = 0;
  private timer: NodeJS.Timeout | undefined;
  private rollover: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly leaderboard: LeaderboardService,
    private readonly intervalMs = COALESCE_MS,
    readonly boardId = GLOBAL_BOARD_ID,
    readonly kind: WindowKind = 'all',
  ) {
    this.events.setMaxListeners(0);
    this.latest = this.read();
    this.unsubscribe = leaderboard.onChange(() => this.schedule(), boardId, kind);
  }

  /**
   * Counts a subscription following this board until `signal` aborts; while there is one, a
   * timer is set to the end of the window in force, so the reset is published at that instant.
   */
  hold(signal: AbortSignal): void {
    if (signal.aborted) return;
    this.holders += 1;
    this.arm();
    signal.addEventListener(
      'abort',
      () => {
        this.holders -= 1;
        if (this.holders === 0) this.disarm();
      },
      { once: true },
    );
  }

  /** Subscriptions holding the board now (see hold). */
  get holderCount(): number {
    return this.holders;
  }

  /** Looks at the board again (it changed: a season started, say) and publishes what moved. */
  refresh(): void {
    this.schedule();
  }

  /** The state right now (which may be a few ms ahead of the last published snapshot). */
  current(): LeaderboardSnapshot {
    return this.read();
  }

  /**
   * A subscriber's view: `next(after)` gives the latest snapshot newer than `after`, at once
   * if there is one, else the next one published; undefined once `signal` aborts. It never
   * queues: a subscriber that falls behind simply gets the newest state. Waiting costs O(1)
   * and a publish O(subscribers), with one abort listener per subscription.
   */
  follow(signal: AbortSignal): {
    next(after: LivePoint | undefined): Promise<LeaderboardSnapshot | undefined>;
  } {
    if (!signal.aborted) {
      this.followers += 1;
      signal.addEventListener('abort', () => (this.followers -= 1), { once: true });
    }
    return this.feed(signal);
  }

  /** Subscriptions following the board now. */
  get subscriberCount(): number {
    return this.followers;
  }

  private feed(signal: AbortSignal): {
    next(after: LivePoint | undefined): Promise<LeaderboardSnapshot | undefined>;
  } {
    let waiter: Waiter | undefined;
    const stop = () => {
      if (waiter) this.waiters.delete(waiter);
      waiter?.resolve(undefined);
      waiter = undefined;
    };
    signal.addEventListener('abort', stop, { once: true });
    return {
      next: (after) => {
        if (isNewer(this.latest, after)) return Promise.resolve(this.latest);
        if (signal.aborted) return Promise.resolve(undefined);
        return new Promise((resolve) => {
          waiter = {
            after,
            resolve: (snapshot) => {
              waiter = undefined;
              resolve(snapshot);
            },
          };
          this.waiters.add(waiter);
        });
      },
    };
  }

  /** The version of the last snapshot published to subscribers. */
  get publishedVersion(): number {
    return this.latest.version;
  }

  /** The version of the latest change applied to this instance's board (see LeaderboardService). */
  get appliedVersion(): number {
    return this.leaderboard.appliedVersion;
  }

  /**
   * Resolves true once this instance has applied `version`, or false after `ms` (or when
   * `signal` aborts). For a client that resumes from a version this instance has not seen yet.
   */
  reaches(version: number, ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.appliedVersion >= version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (this.appliedVersion >= version) finish(true);
        else if (signal.aborted || Date.now() - started >= ms) finish(false);
      }, REACH_POLL_MS);
      const finish = (reached: boolean) => {
        clearInterval(poll);
        resolve(reached);
      };
    });
  }

  /** Called after each publish (the socket layer checks for slow consumers then). */
  onPublish(listener: (snapshot: LeaderboardSnapshot) => void): void {
    this.events.on('snapshot', listener);
  }

  /** Publishes whatever is pending now and stops listening for changes. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.disarm();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.publish();
    }
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastPublishedAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      // Let the rest of this commit's batch land first, so one batch is one frame.
      this.timer = setTimeout(() => this.publish(), 0);
    } else {
      this.timer = setTimeout(() => this.publish(), wait);
    }
  }

  /** The coalescing timer's publish. */
  private publish(): void {
    this.timer = undefined;
    this.publishNow();
  }

  private publishNow(): void {
    const next = this.read();
    const moved = isNewer(next, pointOf(this.latest));
    if (moved) {
      this.latest = next;
      this.lastPublishedAt = Date.now();
      for (const waiter of this.waiters) {
        if (!isNewer(next, waiter.after)) continue;
        this.waiters.delete(waiter);
        waiter.resolve(next);
      }
      this.events.emit('snapshot', next);
    }
    if (this.holders > 0 && !this.closed) this.arm(!moved);
  }

  /** Sets the rollover timer to the end of the window in force (none for a window without one). */
  private arm(retry = false): void {
    this.disarm();
    const end = this.latest.window.end;
    if (end === null) return;
    const left = Date.parse(end) - this.leaderboard.now();
    const wait = left > 0 ? Math.min(left, MAX_ROLLOVER_WAIT_MS) : retry ? ROLLOVER_RETRY_MS : 0;
    // On firing, the window in force is read again: a new one (the reset) is published; if the
    // clock is not there yet (a long wait cut short), the timer is set again.
    this.rollover = setTimeout(() => {
      this.rollover = undefined;
      this.publishNow();
    }, wait);
    this.rollover.unref();
  }

  private disarm(): void {
    clearTimeout(this.rollover);
    this.rollover = undefined;
  }

  /** The top N of the window in force now (the last one published if the board is gone). */
  private read(): LeaderboardSnapshot {
    const view = this.leaderboard.current(this.boardId, this.kind);
    const spec = this.leaderboard.scheduleOf(this.boardId, this.kind);
    if (!view || !spec) return this.latest;
    const now = this.leaderboard.now();
    return {
      epoch: this.leaderboard.epoch,
      version: view.version,
      window: windowInfo(this.boardId, this.kind, spec, view.window, now),
      entries: this.leaderboard.snapshot(this.leaderboard.size, view),
    };
  }
}
