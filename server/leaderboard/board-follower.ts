import type { CommittedChanges } from '../domain/score-record.js';
import type { LiveBus } from '../live/bus/live-bus.js';
import type { Logger } from '../observability/logger.js';
import type { ChangeFeed } from '../storage/storage.js';
import type { LeaderboardService } from './leaderboard.service.js';

/** How often a follower asks the change feed whether it missed anything. */
export const FOLLOW_POLL_MS = 1000;
/** Versions read from the feed per query. */
const FEED_PAGE = 500;
/** Out-of-order versions held while a gap is filled; past it the board is reloaded. */
const MAX_PENDING = 10_000;

/**
 * Keeps this instance's board in step with every committed change, in version order.
 *
 * Embedded (no change feed): one writer, so commits arrive here in commit order and are
 * applied as they come. Scale-out: changes arrive from this instance's commits and from the
 * bus, in any order and possibly with gaps (a lost message, a reconnect, a late commit); they
 * are applied strictly in version order, and a gap is filled from the database's change feed,
 * which is also polled every second. A missed message costs latency, never correctness.
 */
export class BoardFollower {
  private readonly pending = new Map<number, CommittedChanges>();
  private draining: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Commits already told to the other instances (every request of a batch shares one). */
  private readonly published = new WeakSet<CommittedChanges>();

  constructor(
    private readonly leaderboard: LeaderboardService,
    private readonly bus: LiveBus,
    private readonly feed: ChangeFeed | undefined,
    private readonly logger: Logger,
    /** The boards, reloaded on each poll when another instance changed one (scale-out). */
    private readonly boards?: { refresh(): Promise<boolean> },
  ) {}

  /** Starts following the other instances (a no-op for the embedded storage). */
  async start(): Promise<void> {
    await this.bus.subscribe({
      changes: (committed) => void this.offer(committed),
      resync: () => void this.catchUp(),
    });
    if (this.feed) {
      this.timer = setInterval(() => {
        void this.refreshBoards().then(() => this.catchUp());
      }, FOLLOW_POLL_MS);
      this.timer.unref();
    }
  }

  /** Changes this instance committed: applied (in order) before it resolves, and published once. */
  async committed(committed: CommittedChanges): Promise<void> {
    if (!this.published.has(committed)) {
      this.published.add(committed);
      this.bus.publish(committed);
    }
    await this.offer(committed);
  }

  /** Applies changes in version order; resolves once they are applied (or known to be). */
  offer(committed: CommittedChanges): Promise<void> {
    if (!this.feed) return this.leaderboard.apply(committed);
    if (committed.version <= this.leaderboard.appliedVersion) return this.draining;
    this.pending.set(committed.version, committed);
    return this.drain();
  }

  /** Reads what the feed has beyond what is applied (a poll, a bus reconnect). */
  catchUp(): Promise<void> {
    return this.drain(true);
  }

  /** Picks up boards another instance created, archived or started a season of. */
  private async refreshBoards(): Promise<void> {
    try {
      await this.boards?.refresh();
    } catch (err) {
      this.logger.warn({ err }, 'could not reload the boards');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.bus.close();
    await this.draining;
  }

  private drain(readFeed = false): Promise<void> {
    this.draining = this.draining.then(() =>
      this.drainNow(readFeed).catch((err: unknown) => {
        // The database may be down: the next poll tries again.
        this.logger.warn({ err }, 'could not catch up with the change feed');
      }),
    );
    return this.draining;
  }

  private async drainNow(readFeed: boolean): Promise<void> {
    const feed = this.feed!;
    for (;;) {
      await this.applyPending();
      if (!readFeed && this.pending.size === 0) return;
      const after = this.leaderboard.appliedVersion;
      if ((await feed.horizon()) > after + 1 || this.pending.size > MAX_PENDING) {
        this.logger.warn({ applied: after }, 'fell behind the change feed; reloading the board');
        this.pending.clear();
        await this.leaderboard.reload();
        return;
      }
      const page = await feed.since(after, FEED_PAGE);
      for (const committed of page)
        if (committed.version > after) this.pending.set(committed.version, committed);
      await this.applyPending();
      if (page.length < FEED_PAGE) {
        // Whatever is still pending waits behind a version not committed yet (or not visible).
        for (const version of this.pending.keys()) {
          if (version <= this.leaderboard.appliedVersion) this.pending.delete(version);
        }
        return;
      }
    }
  }

  private async applyPending(): Promise<void> {
    for (;;) {
      for (const version of this.pending.keys()) {
        if (version <= this.leaderboard.appliedVersion) this.pending.delete(version);
      }
      const next = this.pending.get(this.leaderboard.appliedVersion + 1);
      if (!next) return;
      this.pending.delete(next.version);
      await this.leaderboard.apply(next);
    }
  }
}
