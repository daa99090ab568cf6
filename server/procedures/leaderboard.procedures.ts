import { TRPCError } from '@trpc/server';
import {
  aroundQuerySchema,
  BAD_CURSOR_MESSAGE,
  leaderboardQuerySchema,
  liveQuerySchema,
  userQuerySchema,
  type Leaderboard,
  type Neighbours,
  type UserRank,
  type WatchedUser,
} from '../../shared/schemas.js';
import { decodeCursor } from '../domain/page-cursor.js';
import { defineQuery, defineSubscription } from './definition.js';
import { LiveFeed } from './live-feed.js';

const noScore = (userId: string) =>
  new TRPCError({ code: 'NOT_FOUND', message: `No score for user ${JSON.stringify(userId)}` });

/**
 * `leaderboard.top` (`GET /leaderboard`): a page of the board, `limit` (default: the configured
 * size) entries from the top, or after `cursor` (a previous page's `next_cursor`).
 */
export const top = defineQuery({
  access: 'read',
  input: leaderboardQuerySchema.optional(),
  resolve(ctx, input): Leaderboard {
    const { leaderboard } = ctx.deps;
    const after = input?.cursor === undefined ? undefined : decodeCursor(input.cursor);
    if (input?.cursor !== undefined && !after) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `cursor: ${BAD_CURSOR_MESSAGE}` });
    }
    const page = leaderboard.page(input?.limit ?? leaderboard.size, after);
    return { entries: page.entries, next_cursor: page.nextCursor };
  },
});

/** `leaderboard.rank` (`GET /leaderboard/users/{id}`): a user's score and rank; NOT_FOUND without a score. */
export const rank = defineQuery({
  access: 'read',
  input: userQuerySchema,
  resolve(ctx, input): UserRank {
    const standing = ctx.deps.leaderboard.standing(input.user_id);
    if (!standing) throw noScore(input.user_id);
    return standing;
  },
});

/** `leaderboard.around`: up to `radius` (0..50, default 5) users above the user, the user, up to `radius` below. */
export const around = defineQuery({
  access: 'read',
  input: aroundQuerySchema,
  resolve(ctx, input): Neighbours {
    const entries = ctx.deps.leaderboard.around(input.user_id, input.radius);
    if (!entries) throw noScore(input.user_id);
    return { entries };
  },
});

/**
 * `leaderboard.watchUser`: a live personal rank, `{user_id, score, rank}` on subscribe (nulls
 * while the user has no score), then whenever the user's score or rank changes, at most
 * about once a second.
 */
export const watchUser = defineSubscription({
  access: 'read',
  input: userQuerySchema,
  resolve: (ctx, input, signal): AsyncIterable<WatchedUser> => ctx.deps.watch.watch(input.user_id, signal),
});

/**
 * `leaderboard.live`: the live top N, the current snapshot on subscribe, then one each time
 * the top N changes. Resuming with `lastEventId` never yields an older snapshot of the same
 * database.
 */
export const live = defineSubscription({
  access: 'read',
  input: liveQuerySchema.optional(),
  resolve(ctx, input, signal): LiveFeed {
    const { live, leaderboard } = ctx.deps;
    return new LiveFeed(
      live,
      Math.min(input?.limit ?? leaderboard.size, leaderboard.size),
      input?.lastEventId,
      signal,
    );
  },
});
