import { tracked, TRPCError } from '@trpc/server';
import {
  aroundQuerySchema,
  leaderboardQuerySchema,
  liveQuerySchema,
  userQuerySchema,
  type Leaderboard,
  type LeaderboardQuery,
  type LiveQuery,
  type Neighbours,
  type UserRank,
  type WatchedUser,
} from '../../../shared/schemas.js';
import { decodeCursor } from '../../domain/page-cursor.js';
import { resumeFrom } from '../../leaderboard/resume.js';
import type { LeaderboardSnapshot, LiveLeaderboard } from '../../leaderboard/live-leaderboard.js';
import type { z } from 'zod';
import type { Context } from '../context.js';
import { readProcedure, router, holdingSubscriptionSlot } from '../trpc.js';

type UserQuery = z.output<typeof userQuerySchema>;
type AroundQuery = z.output<typeof aroundQuerySchema>;

/** What each `leaderboard.live` event carries; its tracked id is `<epoch>:<version>`. */
export interface LiveLeaderboardEvent {
  version: number;
  entries: LeaderboardSnapshot['entries'][number][];
}

const noScore = (userId: string) =>
  new TRPCError({ code: 'NOT_FOUND', message: `No score for user ${JSON.stringify(userId)}` });

const eventId = (snapshot: LeaderboardSnapshot) => `${snapshot.epoch}:${snapshot.version}`;

const sliceOf = (snapshot: LeaderboardSnapshot, limit: number): LiveLeaderboardEvent => ({
  version: snapshot.version,
  entries: snapshot.entries.slice(0, limit),
});

/** The input of `leaderboard.top` (optional: no input is the first page at the default size). */
export const topInput = leaderboardQuerySchema.optional();

/** `leaderboard.top` once its input is valid (also called by the fast HTTP path). */
export function resolveTop(ctx: Context, input: LeaderboardQuery | undefined): Leaderboard {
  const { leaderboard } = ctx.deps;
  const after = input?.cursor === undefined ? undefined : decodeCursor(input.cursor);
  if (input?.cursor !== undefined && !after) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'cursor is not one this server gave out' });
  }
  const page = leaderboard.page(input?.limit ?? leaderboard.size, after);
  return { entries: page.entries, next_cursor: page.nextCursor };
}

/** `leaderboard.rank` once its input is valid. */
export function resolveRank(ctx: Context, input: UserQuery): UserRank {
  const standing = ctx.deps.leaderboard.standing(input.user_id);
  if (!standing) throw noScore(input.user_id);
  return standing;
}

/** `leaderboard.around` once its input is valid. */
export function resolveAround(ctx: Context, input: AroundQuery): Neighbours {
  const entries = ctx.deps.leaderboard.around(input.user_id, input.radius);
  if (!entries) throw noScore(input.user_id);
  return { entries };
}

export const leaderboardRouter = router({
  /**
   * A page of the board: `limit` (default: the configured size) entries from the top, or after
   * `cursor` (a previous page's `next_cursor`).
   */
  top: readProcedure.input(topInput).query(({ ctx, input }) => resolveTop(ctx, input)),

  /** A user's score and rank; NOT_FOUND when they have no score. */
  rank: readProcedure.input(userQuerySchema).query(({ ctx, input }) => resolveRank(ctx, input)),

  /** Up to `radius` (0..50, default 5) users above the user, the user, and up to `radius` below. */
  around: readProcedure.input(aroundQuerySchema).query(({ ctx, input }) => resolveAround(ctx, input)),

  /**
   * A live personal rank: `{user_id, score, rank}` on subscribe (nulls while the user has no
   * score), then whenever the user's score or rank changes, at most about once a second.
   */
  watchUser: readProcedure
    .input(userQuerySchema)
    .subscription(({ ctx, input, signal }): AsyncGenerator<WatchedUser> => {
      const events = ctx.deps.watch.watch(input.user_id, signal ?? new AbortController().signal);
      return holdingSubscriptionSlot(ctx, events);
    }),

  /**
   * The live top N: the current snapshot on subscribe, then one each time the top N
   * changes (bursts coalesced). Resuming with `lastEventId` never yields an older snapshot
   * of the same database.
   */
  live: readProcedure.input(liveQuerySchema.optional()).subscription(({ ctx, input, signal }) => {
    const { live, leaderboard } = ctx.deps;
    const events = liveEvents(live, leaderboard.size, input, signal ?? new AbortController().signal);
    return holdingSubscriptionSlot(ctx, events);
  }),
});

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
