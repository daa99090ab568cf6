import { tracked } from '@trpc/server';
import {
  leaderboardQuerySchema,
  liveQuerySchema,
  type Leaderboard,
  type LiveQuery,
} from '../../../shared/schemas.js';
import type { LeaderboardSnapshot, LiveLeaderboard } from '../../leaderboard/live-leaderboard.js';
import { readProcedure, router, withSubscriptionSlot } from '../trpc.js';

/** What each `leaderboard.live` event carries; its tracked id is `<epoch>:<version>`. */
export interface LiveLeaderboardEvent {
  version: number;
  entries: LeaderboardSnapshot['entries'][number][];
}

/**
 * How long a subscriber that resumes from a version this process has not reached yet waits
 * for it (another instance may be a moment ahead) before it is sent the current board: a
 * version from the future otherwise means the database went back (a restore).
 */
export const RESUME_AHEAD_WAIT_MS = 2000;

const eventId = (snapshot: LeaderboardSnapshot) => `${snapshot.epoch}:${snapshot.version}`;

const sliceOf = (snapshot: LeaderboardSnapshot, limit: number): LiveLeaderboardEvent => ({
  version: snapshot.version,
  entries: snapshot.entries.slice(0, limit),
});

export const leaderboardRouter = router({
  /** The top `limit` (default: the configured size) entries. */
  top: readProcedure
    .input(leaderboardQuerySchema.optional())
    .query(async ({ ctx, input }): Promise<Leaderboard> => {
      const { leaderboard } = ctx.deps;
      return { entries: await leaderboard.entries(input?.limit ?? leaderboard.size) };
    }),

  /**
   * The live top N: the current snapshot on subscribe, then one each time the top N
   * changes (bursts coalesced). Resuming with `lastEventId` never yields an older snapshot
   * of the same database.
   */
  live: readProcedure.input(liveQuerySchema.optional()).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const { live, leaderboard } = ctx.deps;
    yield* withSubscriptionSlot(
      ctx,
      liveEvents(live, leaderboard.size, input, signal ?? new AbortController().signal),
    );
  }),
});

/**
 * The version a resuming subscriber already has, or -1 when it must be sent the current
 * board: no id, an id of another database (a fresh one), or one this process does not reach
 * in time (a restored one).
 */
async function resumeFrom(
  live: LiveLeaderboard,
  lastEventId: string | null | undefined,
  signal: AbortSignal,
) {
  if (!lastEventId) return -1;
  const [epoch, version] = lastEventId.includes(':') ? lastEventId.split(':') : [undefined, lastEventId];
  const seen = Number(version);
  const now = live.current();
  if (epoch !== now.epoch) return -1;
  if (seen <= now.version) return seen;
  return (await live.reaches(seen, RESUME_AHEAD_WAIT_MS, signal)) ? seen : -1;
}

/** The events of one subscription: never older than what the client has, never a repeat. */
async function* liveEvents(
  live: LiveLeaderboard,
  size: number,
  input: LiveQuery | undefined,
  signal: AbortSignal,
) {
  const limit = Math.min(input?.limit ?? size, size);
  const feed = live.follow(signal);
  let seen = await resumeFrom(live, input?.lastEventId, signal);
  let lastSent = '';
  const first = live.current();
  if (first.version > seen || seen < 0) {
    const event = sliceOf(first, limit);
    lastSent = JSON.stringify(event.entries);
    seen = first.version;
    yield tracked(eventId(first), event);
  }
  for (;;) {
    const snapshot = await feed.next(seen);
    if (!snapshot) return;
    seen = snapshot.version;
    const event = sliceOf(snapshot, limit);
    const body = JSON.stringify(event.entries);
    if (body === lastSent) continue; // a change below this subscriber's limit
    lastSent = body;
    yield tracked(eventId(snapshot), event);
  }
}
