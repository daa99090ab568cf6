import { EventEmitter } from 'node:events';
import type { LeaderboardEntry } from '../../shared/schemas.js';
import type { LeaderboardService } from './leaderboard.service.js';

/** One published state of the top N. */
export interface LeaderboardSnapshot {
  /** The database the version counts in (see ScoreStore.epoch). */
  readonly epoch: string;
  readonly version: number;
  readonly entries: readonly LeaderboardEntry[];
}

interface Waiter {
  readonly after: number;
  resolve(snapshot: LeaderboardSnapshot | undefined): void;
}

/** How often a resuming subscriber checks whether this instance has caught up with it. */
const REACH_POLL_MS = 25;

/** Longest a change waits before it is pushed while frames are being coalesced. */
export const COALESCE_MS = 40;

/**
 * Turns changes of the cached top N into published snapshots, at most one per
 * `COALESCE_MS`: the first change after a quiet spell goes out at once, later ones in the
 * same window are folded into one trailing snapshot, so the final state always arrives.
 */
export class LiveLeaderboard {
  private readonly events = new EventEmitter();
  private readonly waiters = new Set<Waiter>();
  private latest: LeaderboardSnapshot;
  private lastPublishedAt = 0;
  private followers = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly leaderboard: LeaderboardService,
    private readonly intervalMs = COALESCE_MS,
  ) {
    this.events.setMaxListeners(0);
    this.latest = this.read();
    this.unsubscribe = leaderboard.onChange(() => this.schedule());
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
  follow(signal: AbortSignal): { next(after: number): Promise<LeaderboardSnapshot | undefined> } {
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

  private feed(signal: AbortSignal): { next(after: number): Promise<LeaderboardSnapshot | undefined> } {
    let waiter: Waiter | undefined;
    const stop = () => {
      if (waiter) this.waiters.delete(waiter);
      waiter?.resolve(undefined);
      waiter = undefined;
    };
    signal.addEventListener('abort', stop, { once: true });
    return {
      next: (after) => {
        if (this.latest.version > after) return Promise.resolve(this.latest);
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
    this.unsubscribe();
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

  private publish(): void {
    this.timer = undefined;
    const next = this.read();
    if (next.version === this.latest.version) return;
    this.latest = next;
    this.lastPublishedAt = Date.now();
    for (const waiter of this.waiters) {
      if (next.version <= waiter.after) continue;
      this.waiters.delete(waiter);
      waiter.resolve(next);
    }
    this.events.emit('snapshot', next);
  }

  private read(): LeaderboardSnapshot {
    return {
      epoch: this.leaderboard.epoch,
      version: this.leaderboard.version,
      entries: this.leaderboard.snapshot(),
    };
  }
}
