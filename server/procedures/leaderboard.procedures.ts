import {
  aroundQuerySchema,
  leaderboardQuerySchema,
  liveQuerySchema,
  userQuerySchema,
  usersQuerySchema,
  strictInput,
  watchUserQuerySchema,
  type BoardList,
  type Leaderboard,
  type Neighbours,
  type UserRank,
  type UsersStanding,
  type WatchedUser,
} from '../../shared/schemas.js';
import type { Result } from '../domain/result.js';
import { defineQuery, defineSubscription } from './definition.js';
import { LiveFeed } from './live-feed.js';
import { refusalError } from './procedure-errors.js';

/** The value of a read, or its refusal as the tRPC error every transport answers. */
function answer<T>(result: Result<T>): T {
  if (!result.ok) throw refusalError(result.refusal);
  return result.value;
}

/**
 * `leaderboard.top` (`GET /leaderboard`, `GET /boards/{board}/leaderboard`): a page of a board's
 * window (default `global`, `all`, `current`), `limit` (default: the configured size) entries
 * from the top, or after `cursor` (a previous page's `next_cursor`).
 */
export const top = defineQuery({
  access: 'read',
  input: leaderboardQuerySchema.optional(),
  async resolve(ctx, input): Promise<Leaderboard> {
    const { reads, leaderboard } = ctx.deps;
    const { info, page } = answer(
      await reads.page(input ?? {}, input?.limit ?? leaderboard.size, input?.cursor),
    );
    return { window: info, entries: page.entries, next_cursor: page.nextCursor };
  },
});

/**
 * `leaderboard.boards` (`GET /boards`): the boards that take scores (archived ones are left
 * out), by id, each with its title, order, operator and the window of each kind it keeps in
 * force now. Bounded: at most OPEN_BOARDS_MAX boards of at most five windows each.
 */
export const boards = defineQuery({
  access: 'read',
  input: strictInput({}).optional(),
  resolve(ctx): BoardList {
    return { boards: ctx.deps.reads.list() };
  },
});

/** `leaderboard.rank` (`GET /leaderboard/users/{id}`): a user's score and rank; NOT_FOUND without a score. */
export const rank = defineQuery({
  access: 'read',
  input: userQuerySchema,
  async resolve(ctx, input): Promise<UserRank> {
    const { info, entry } = answer(await ctx.deps.reads.standing(input, input.user_id));
    return { window: info, user_id: entry.user_id, score: entry.score, rank: entry.rank };
  },
});

/** `leaderboard.around`: up to `radius` (0..50, default 5) users above the user, the user, up to `radius` below. */
export const around = defineQuery({
  access: 'read',
  input: aroundQuerySchema,
  async resolve(ctx, input): Promise<Neighbours> {
    const { info, entries } = answer(await ctx.deps.reads.around(input, input.user_id, input.radius));
    return { window: info, entries };
  },
});

/**
 * `leaderboard.ofUsers` (`GET /boards/{board}/users?ids=`): friends. Up to 100 users, each with
 * their score and rank on the whole window, in its order; a user without a score is left out.
 */
export const ofUsers = defineQuery({
  access: 'read',
  input: usersQuerySchema,
  async resolve(ctx, input): Promise<UsersStanding> {
    const { info, entries } = answer(await ctx.deps.reads.ofUsers(input, input.ids));
    return { window: info, entries };
  },
});

/**
 * `leaderboard.watchUser`: a live personal rank in a board's window in force (default
 * `global`, `all`), `{user_id, score, rank}` on subscribe (nulls while the user has no score
 * there), then whenever the user's score or rank changes, or the window resets, at most about
 * once a second. An unknown board or a kind the board does not keep is refused as reads are.
 */
export const watchUser = defineSubscription({
  access: 'read',
  input: watchUserQuerySchema,
  resolve(ctx, input, signal): AsyncIterable<WatchedUser> {
    const { board, kind } = answer(ctx.deps.reads.schedule(input));
    return ctx.deps.watch.watch(input.user_id, signal, board.id, kind);
  },
});

/**
 * `leaderboard.live`: the live top N of a board's window in force (default `global`, `all`),
 * the current snapshot on subscribe, then one each time the top N changes or the window resets
 * (the new window's snapshot). Resuming with `lastEventId` never yields an older snapshot of
 * the same window of the same database. An unknown board or a kind the board does not keep is
 * refused as reads are.
 */
export const live = defineSubscription({
  access: 'read',
  input: liveQuerySchema.optional(),
  resolve(ctx, input, signal): LiveFeed {
    const { live, leaderboard, reads } = ctx.deps;
    const { board, kind } = answer(reads.schedule(input ?? {}));
    return new LiveFeed(
      live.acquire(board.id, kind, signal),
      Math.min(input?.limit ?? leaderboard.size, leaderboard.size),
      input?.lastEventId,
      signal,
    );
  },
});
