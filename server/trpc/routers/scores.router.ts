import { updateScoreInputSchema, type UpdateScoreResult } from '../../../shared/schemas.js';
import { updateProcedure, refusalError, router } from '../trpc.js';

export const scoresRouter = router({
  /** Sets a user's score; the same rules and code path as `POST /update-score`. */
  update: updateProcedure
    .input(updateScoreInputSchema)
    .mutation(async ({ ctx, input }): Promise<UpdateScoreResult> => {
      const { scores, leaderboard } = ctx.services;
      const result = await scores.update(ctx.principal, input, { ip: ctx.ip, requestId: ctx.requestId });
      if (!result.ok) throw refusalError(result.refusal);
      const { record, previousScore, applied } = result.value;
      return {
        user_id: record.userId,
        score: record.score,
        previous_score: previousScore,
        rank: await leaderboard.rankOf(record),
        applied,
      };
    }),
});
