import { tracked, type TrackedEnvelope } from '@trpc/server';
import type { LiveLeaderboardEvent } from '../../shared/schemas.js';
import {
  isNewer,
  pointOf,
  type LeaderboardSnapshot,
  type LiveLeaderboard,
  type LivePoint,
} from '../leaderboard/live-leaderboard.js';
import { resumeFrom } from '../leaderboard/resume.js';

/**
 * The tracked id of a snapshot's event: the database's epoch and the version, and for every
 * kind of window but `all` (which never resets) `@` and the window's key: versions are
 * compared within one window, so an id of an ended window resumes with the current snapshot.
 */
export const liveEventId = (snapshot: LeaderboardSnapshot) =>
  `${snapshot.epoch}:${snapshot.version}${snapshot.window.kind === 'all' ? '' : `@${snapshot.window.key}`}`;

/** The event a snapshot makes for subscribers of `limit` entries. */
export const liveEvent = (snapshot: LeaderboardSnapshot, limit: number): LiveLeaderboardEvent => ({
  version: snapshot.version,
  window: snapshot.window,
  entries: snapshot.entries.slice(0, limit),
});

/**
 * What a subscriber was last sent, to skip a snapshot that shows it nothing new: the same
 * window with the same entries (a change below its limit). A reset is always sent.
 */
export const sentKey = (event: LiveLeaderboardEvent) =>
  `${event.window.key} ${JSON.stringify(event.entries)}`;

/**
 * One `leaderboard.live` subscription: the current top `limit` of its board's window in force
 * on subscribe, then one event each time it changes or the window resets (bursts coalesced),
 * never older than what the client resumed from and never the same entries of the same window
 * twice (a change below this limit sends nothing). Iterating it is how tRPC serves it; the
 * WebSocket fan-out reads `live`, `limit` and `resumePoint()` and sends the same events as
 * shared frames instead.
 */
export class LiveFeed implements AsyncIterable<TrackedEnvelope<LiveLeaderboardEvent>> {
  constructor(
    readonly live: LiveLeaderboard,
    readonly limit: number,
    private readonly lastEventId: string | null | undefined,
    private readonly signal: AbortSignal,
  ) {}

  /** Where the client already is, or undefined when it must be sent the current board. */
  resumePoint(): Promise<LivePoint | undefined> {
    return resumeFrom(this.live, this.lastEventId, this.signal);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TrackedEnvelope<LiveLeaderboardEvent>> {
    const feed = this.live.follow(this.signal);
    let seen = await this.resumePoint();
    let lastSent = '';
    const first = this.live.current();
    if (isNewer(first, seen)) {
      const event = liveEvent(first, this.limit);
      lastSent = sentKey(event);
      seen = pointOf(first);
      yield tracked(liveEventId(first), event);
    }
    for (;;) {
      const snapshot = await feed.next(seen);
      if (!snapshot) return;
      seen = pointOf(snapshot);
      const event = liveEvent(snapshot, this.limit);
      const key = sentKey(event);
      if (key === lastSent) continue; // a change below this subscriber's limit
      lastSent = key;
      yield tracked(liveEventId(snapshot), event);
    }
  }
}
