import type { WatchedUser } from '../../shared/schemas.js';
import type { LeaderboardService } from './leaderboard.service.js';

/** How often watched users are looked at: pushes are coalesced to at most one per interval. */
export const WATCH_INTERVAL_MS = 1000;

interface Waiter {
  readonly userId: string;
  readonly lastKey: string;
  resolve(next: WatchedUser | undefined): void;
}

const keyOf = (w: WatchedUser) => `${w.score}:${w.rank}`;

/**
 * Live personal ranks (`leaderboard.watchUser`). Every user's rank moves whenever anyone
 * above them scores, so checking each watcher on every write would cost watchers × writes;
 * instead one timer looks at every waiting watcher once a second, when the board changed,
 * and wakes those whose score or rank moved. Cost: watchers × log n per second at most.
 */
export class UserWatch {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private checkedVersion = -1;

  constructor(
    private readonly leaderboard: LeaderboardService,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {}

  /** The user's place now (nulls while they have no score). */
  current(userId: string): WatchedUser {
    const standing = this.leaderboard.standing(userId);
    return standing ?? { user_id: userId, score: null, rank: null };
  }

  /** The user's place now, then each time it changes, until `signal` aborts. */
  async *watch(userId: string, signal: AbortSignal): AsyncGenerator<WatchedUser> {
    let last = this.current(userId);
    yield last;
    for (;;) {
      const next = await this.nextChange(userId, keyOf(last), signal);
      if (!next) return;
      last = next;
      yield next;
    }
  }

  /** Watchers waiting for a change now. */
  get watching(): number {
    return this.waiters.size;
  }

  private nextChange(userId: string, lastKey: string, signal: AbortSignal): Promise<WatchedUser | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        userId,
        lastKey,
        resolve: (next) => {
          this.waiters.delete(waiter);
          signal.removeEventListener('abort', abort);
          resolve(next);
        },
      };
      const abort = () => waiter.resolve(undefined);
      signal.addEventListener('abort', abort, { once: true });
      this.waiters.add(waiter);
      this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    });
  }

  private tick(): void {
    if (this.waiters.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const version = this.leaderboard.appliedVersion;
    if (version === this.checkedVersion) return;
    this.checkedVersion = version;
    for (const waiter of [...this.waiters]) {
      const now = this.current(waiter.userId);
      if (keyOf(now) !== waiter.lastKey) waiter.resolve(now);
    }
  }

  /** Stops the timer and ends every watch. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const waiter of [...this.waiters]) waiter.resolve(undefined);
  }
}
