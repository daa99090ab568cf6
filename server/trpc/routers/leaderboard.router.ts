import { tracked } from '@trpc/server';
import {
  leaderboardQuerySchema,
  liveQuerySchema,
  type Leaderboard,
  type LiveQuery,
} from '../../../shared/schemas.js';
import type { LeaderboardSnapshot, LiveLeaderboard } from '../../leaderboard/live-leaderboard.js';
import { publicProcedure, router } from '../trpc.js';

/** What each `leaderboard.live` event carries; its tracked id is `String(version)`. */
export interface LiveLeaderboardEvent {
  version: number;
  entries: LeaderboardSnapshot['entries'][number][];
}

const sliceOf = (snapshot: LeaderboardSnapshot, limit: number): LiveLeaderboardEvent => ({
  version: snapshot.version,
  entries: snapshot.entries.slice(0, limit),
});

export const leaderboardRouter = router({
  /** The top `limit` (default: the configured size) entries. */
  top: publicProcedure
    .input(leaderboardQuerySchema.optional())
    .query(async ({ ctx, input }): Promise<Leaderboard> => {
      const limit = input?.limit ?? ctx.services.leaderboard.size;
      return { entries: await ctx.services.leaderboard.entries(limit) };
    }),

  /**
   * The live top N: the current snapshot on subscribe, then one each time the top N
   * changes (bursts coalesced). Resuming with `lastEventId` never yields an older snapshot.
   */
  live: publicProcedure.input(liveQuerySchema.optional()).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const { live, leaderboard, metrics } = ctx.services;
    metrics.subscribers.inc();
    try {
      yield* liveEvents(live, leaderboard.size, input, signal);
    } finally {
      metrics.subscribers.dec();
    }
  }),
});

/** The events of one subscription: never older than `lastEventId`, never a repeat. */
async function* liveEvents(
  live: LiveLeaderboard,
  size: number,
  input: LiveQuery | undefined,
  signal: AbortSignal | undefined,
) {
  const limit = Math.min(input?.limit ?? size, size);
  const feed = live.follow(signal ?? new AbortController().signal);
  let seen = input?.lastEventId ? Number(input.lastEventId) : -1;
  let lastSent = '';
  const first = live.current();
  if (first.version > seen || seen < 0) {
    const event = sliceOf(first, limit);
    lastSent = JSON.stringify(event.entries);
    seen = first.version;
    yield tracked(String(event.version), event);
  }
  for (;;) {
    const snapshot = await feed.next(seen);
    if (!snapshot) return;
    seen = snapshot.version;
    const event = sliceOf(snapshot, limit);
    const body = JSON.stringify(event.entries);
    if (body === lastSent) continue; // a change below this subscriber's limit
    lastSent = body;
    yield tracked(String(event.version), event);
  }
}
