import { tracked, type TrackedEnvelope } from '@trpc/server';
import type { LiveLeaderboardEvent } from '../../shared/schemas.js';
import type { LeaderboardSnapshot, LiveLeaderboard } from '../leaderboard/live-leaderboard.js';
import { resumeFrom } from '../leaderboard/resume.js';

/** The tracked id of a snapshot's event: the database's epoch and the version. */
export const liveEventId = (snapshot: LeaderboardSnapshot) => `${snapshot.epoch}:${snapshot.version}`;

/** The event a snapshot makes for subscribers of `limit` entries. */
export const liveEvent = (snapshot: LeaderboardSnapshot, limit: number): LiveLeaderboardEvent => ({
  version: snapshot.version,
  entries: snapshot.entries.slice(0, limit),
});

/**
 * One `leaderboard.live` subscription: the current top `limit` on subscribe, then one event
 * each time it changes (bursts coalesced), never older than what the client resumed from and
 * never the same entries twice (a change below this limit sends nothing). Iterating it is
 * how tRPC serves it; the WebSocket fan-out reads `limit` and `resumePoint()` and sends the
 * same events as shared frames instead.
 */
export class LiveFeed implements AsyncIterable<TrackedEnvelope<LiveLeaderboardEvent>> {
  constructor(
    private readonly live: LiveLeaderboard,
    readonly limit: number,
    private readonly lastEventId: string | null | undefined,
    private readonly signal: AbortSignal,
  ) {}

  /** The version the client already has, or -1 when it must be sent the current board. */
  resumePoint(): Promise<number> {
    return resumeFrom(this.live, this.lastEventId, this.signal);
  }

  /** Whether the current board is news to a client that has `seen`. */
  isNews(snapshot: LeaderboardSnapshot, seen: number): boolean {
    return snapshot.version > seen || seen < 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TrackedEnvelope<LiveLeaderboardEvent>> {
    const feed = this.live.follow(this.signal);
    let seen = await this.resumePoint();
    let lastSent = '';
    const first = this.live.current();
    if (this.isNews(first, seen)) {
      const event = liveEvent(first, this.limit);
      lastSent = JSON.stringify(event.entries);
      seen = first.version;
      yield tracked(liveEventId(first), event);
    }
    for (;;) {
      const snapshot = await feed.next(seen);
      if (!snapshot) return;
      seen = snapshot.version;
      const event = liveEvent(snapshot, this.limit);
      const entries = JSON.stringify(event.entries);
      if (entries === lastSent) continue; // a change below this subscriber's limit
      lastSent = entries;
      yield tracked(liveEventId(snapshot), event);
    }
  }
}
