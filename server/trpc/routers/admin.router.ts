import {
  clearFlagInputSchema,
  flaggedUsersQuerySchema,
  securityEventsQuerySchema,
  type FlaggedUserView,
  type SecurityEventView,
} from '../../../shared/schemas.js';
import { adminProcedure, router } from '../trpc.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The audit trail, for tokens with role `admin`. */
export const adminRouter = router({
  /** Recent security events, newest first; pass `nextCursor` back as `cursor` for the next page. */
  securityEvents: adminProcedure
    .input(securityEventsQuerySchema)
    .query(async ({ ctx, input }): Promise<{ events: SecurityEventView[]; nextCursor: number | null }> => {
      const rows = await ctx.services.storage.listSecurityEvents({
        kind: input.kind,
        subject: input.subject,
        userId: input.user_id,
        ip: input.ip,
        since: input.since === undefined ? undefined : Date.parse(input.since),
        before: input.cursor,
        limit: input.limit,
      });
      return {
        events: rows.map((e) => ({
          id: e.id,
          kind: e.kind,
          subject: e.subject,
          ip: e.ip,
          user_id: e.userId,
          reason: e.reason,
          created_at: iso(e.createdAt),
        })),
        nextCursor: rows.length === input.limit ? rows.at(-1)!.id : null,
      };
    }),

  /** Flagged users, most recently flagged first; cleared ones only with `include_cleared`. */
  flaggedUsers: adminProcedure
    .input(flaggedUsersQuerySchema)
    .query(async ({ ctx, input }): Promise<{ users: FlaggedUserView[]; nextCursor: number | null }> => {
      const rows = await ctx.services.storage.listFlaggedUsers({
        includeCleared: input.include_cleared,
        before: input.cursor,
        limit: input.limit,
      });
      return {
        users: rows.map((u) => ({
          user_id: u.userId,
          reason: u.reason,
          flag_count: u.flagCount,
          flagged_at: iso(u.flaggedAt),
          cleared_at: u.clearedAt === null ? null : iso(u.clearedAt),
          cleared_by: u.clearedBy,
        })),
        nextCursor: rows.length === input.limit ? rows.at(-1)!.flaggedAt : null,
      };
    }),

  /** Clears a user's active flag; `cleared` is false when there was none. */
  clearFlag: adminProcedure.input(clearFlagInputSchema).mutation(async ({ ctx, input }) => {
    const cleared = await ctx.services.storage.clearFlag(input.user_id, ctx.principal.subject);
    ctx.services.flags.forget(input.user_id);
    ctx.services.logger.info({
      event: 'flag_cleared',
      user_id: input.user_id,
      by: ctx.principal.subject,
      cleared,
    });
    return { cleared };
  }),
});
