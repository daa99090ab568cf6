import { updateScoreInputSchema, type UpdateScoreResult } from '../../shared/schemas.js';
import { metaOf } from './access.js';
import { defineMutation } from './definition.js';
import { refusalError } from './procedure-errors.js';

/**
 * `scores.update` (and `POST /update-score`, which answers the spec's literal bodies for the
 * same call): sets a user's score through the score service, the one place a score changes.
 */
export const updateScore = defineMutation({
  access: 'update',
  input: updateScoreInputSchema,
  async resolve(ctx, input): Promise<UpdateScoreResult> {
    const { scores } = ctx.deps;
    const result = await scores.update(ctx.principal, input, metaOf(ctx.request));
    if (!result.ok) throw refusalError(result.refusal);
    const update = result.value;
    return {
      user_id: update.userId,
      score: update.score,
      previous_score: update.previousScore,
      rank: await scores.rankOf(update.boardId, update.current, ctx.request.requestId),
      applied: update.applied,
    };
  },
});
