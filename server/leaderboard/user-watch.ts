import type { WatchedUser } from '../../shared/schemas.js';
import { GLOBAL_BOARD_ID, type WindowKind } from '../domain/board.js';
import type { LeaderboardService } from './leaderboard.service.js';

/** How often watched users are looked at: pushes are coalesced to at most one per interval. */
export const WATCH_INTERVAL_MS = 1000;

/** Which window a watcher follows: a board's kind of window, the one in force. */
interface Watched {
  readonly userId: string;
  readonly boardId: string;
  readonly kind: WindowKind;
}

interface Waiter extends Watched {
  readonly lastKey: string;
  /** The window the watcher was last told of (a reset changes it). */
  windowKey: string | undefined;
  resolve(next: WatchedUser | undefined): void;
}

const keyOf = (w: WatchedUser) => `${w.score}:${w.rank}`;

/**
 * Live personal ranks (`leaderboard.watchUser`). Every user's rank moves whenever anyone
 * above them scores, so checking each watcher on every write would cost watchers × writes;
 * instead one timer looks at every waiting watcher once a second, when the boards changed,
 * and wakes those whose score or rank moved. A watcher follows its board's window in force: a
 * reset (the clock, a season started) is looked for each second too, at O(1) a watcher, and
 * wakes those the new window shows otherwise (nulls until they score in it). Admins' changes
 * (setScore, removeUser) are commits like any other. Cost: watchers × log n per second at most.
 */
export class UserWatch {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private checkedVersion = -1;

  constructor(
    private readonly leaderboard: LeaderboardService,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {}

  /** The user's place now in a board's window in force (default `global`'s `all`; nulls while they have no score). */
  current(userId: string, boardId = GLOBAL_BOARD_ID, kind: WindowKind = 'all'): WatchedUser {
    const standing = this.leaderboard.current(boardId, kind)?.standing(userId);
    return standing ?? { user_id: userId, score: null, rank: null };
  }

  /** The user's place now, then each time it changes (or the window resets), until `signal` aborts. */
  async *watch(
    userId: string,
    signal: AbortSignal,
    boardId = GLOBAL_BOARD_ID,
    kind: WindowKind = 'all',
  ): AsyncGenerator<WatchedUser> {
    const watched: Watched = { userId, boardId, kind };
    let windowKey = this.windowKeyOf(watched);
    let last = this.current(userId, boardId, kind);
    yield last;
    for (;;) {
      const next = await this.nextChange(watched, keyOf(last), windowKey, signal);
      if (!next) return;
      windowKey = this.windowKeyOf(watched);
      last = next;
      yield next;
    }
  }

  /** Watchers waiting for a change now. */
  get watching(): number {
    return this.waiters.size;
  }

  private windowKeyOf({ boardId, kind }: Watched): string | undefined {
    return this.leaderboard.current(boardId, kind)?.window.key;
  }

  private nextChange(
    watched: Watched,
    lastKey: string,
    windowKey: string | undefined,
    signal: AbortSignal,
  ): Promise<WatchedUser | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ...watched,
        lastKey,
        windowKey,
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
    const changed = version !== this.checkedVersion;
    this.checkedVersion = version;
    for (const waiter of [...this.waiters]) {
      // Without a commit since the last look, only a reset can have moved anyone.
      const windowKey = this.windowKeyOf(waiter);
      if (!changed && windowKey === waiter.windowKey) continue;
      waiter.windowKey = windowKey;
      const now = this.current(waiter.userId, waiter.boardId, waiter.kind);
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
