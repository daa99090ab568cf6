import {
  updateScoreInputSchema,
  type UpdateScoreInput,
  type UpdateScoreResult,
} from '../../../shared/schemas.js';
import type { Principal } from '../../auth/principal.js';
import type { Context } from '../context.js';
import { metaOf, refusalError, router, updateProcedure } from '../trpc.js';

/** `scores.update` once the caller is known and the input valid (also called by the fast HTTP path). */
export async function resolveUpdate(
  ctx: Context & { principal: Principal },
  input: UpdateScoreInput,
): Promise<UpdateScoreResult> {
  const { scores } = ctx.deps;
  const result = await scores.update(ctx.principal, input, metaOf(ctx.request));
  if (!result.ok) throw refusalError(result.refusal);
  const update = result.value;
  return {
    user_id: update.userId,
    score: update.score,
    previous_score: update.previousScore,
    rank: await scores.rankOf(update.current, ctx.request.requestId),
    applied: update.applied,
  };
}

export const scoresRouter = router({
  /** Sets a user's score; the same rules and code path as `POST /update-score`. */
  update: updateProcedure
    .input(updateScoreInputSchema)
    .mutation(({ ctx, input }) => resolveUpdate(ctx, input)),
});
