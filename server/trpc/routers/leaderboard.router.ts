import { leaderboardQuerySchema, type Leaderboard } from '../../../shared/schemas.js';
import { publicProcedure, router } from '../trpc.js';

export const leaderboardRouter = router({
  /** The top `limit` (default: the configured size) entries. */
  top: publicProcedure
    .input(leaderboardQuerySchema.optional())
    .query(async ({ ctx, input }): Promise<Leaderboard> => {
      const limit = input?.limit ?? ctx.services.leaderboard.size;
      return { entries: await ctx.services.leaderboard.entries(limit) };
    }),
});
