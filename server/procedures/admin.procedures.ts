import { TRPCError } from '@trpc/server';
import {
  clearFlagInputSchema,
  eraseUserInputSchema,
  flaggedUsersQuerySchema,
  securityEventsQuerySchema,
  type ErasureView,
  type FlaggedUserView,
  type SecurityEventView,
} from '../../shared/schemas.js';
import {
  removeUserInputSchema,
  setScoreInputSchema,
  startSeasonInputSchema,
  type ScoreSetView,
  type SeasonStartView,
  type UserRemovalView,
} from '../../shared/boards.js';
import type { Result } from '../domain/result.js';
import type { AdminOrigin } from '../storage/storage.js';
import type { CallerContext } from './definition.js';
import { defineMutation, defineQuery } from './definition.js';
import { refusalError } from './procedure-errors.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The flagged-users cursor: the last row's (flagged_at, user_id), opaque to clients. */
const encodeCursor = (flaggedAt: number, userId: string) =>
  Buffer.from(JSON.stringify([flaggedAt, userId])).toString('base64url');

function decodeCursor(cursor: string): { flaggedAt: number; userId: string } {
  try {
    const [flaggedAt, userId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(flaggedAt) && typeof userId === 'string') {
      return { flaggedAt: flaggedAt as number, userId };
    }
  } catch {
    // fall through
  }
  throw new TRPCError({ code: 'BAD_REQUEST', message: 'cursor: is not one this server gave out' });
}

/** `admin.securityEvents`: recent security events, newest first; `nextCursor` is the next page's `cursor`. */
export const securityEvents = defineQuery({
  access: 'admin',
  input: securityEventsQuerySchema,
  async resolve(ctx, input): Promise<{ events: SecurityEventView[]; nextCursor: number | null }> {
    const rows = await ctx.deps.admin.securityEvents({
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
        count: e.count,
        created_at: iso(e.createdAt),
        last_at: iso(e.lastAt),
      })),
      nextCursor: rows.length === input.limit ? rows.at(-1)!.id : null,
    };
  },
});

/** `admin.flaggedUsers`: flagged users, most recently flagged first; cleared ones only with `include_cleared`. */
export const flaggedUsers = defineQuery({
  access: 'admin',
  input: flaggedUsersQuerySchema,
  async resolve(ctx, input): Promise<{ users: FlaggedUserView[]; nextCursor: string | null }> {
    const rows = await ctx.deps.admin.flaggedUsers({
      includeCleared: input.include_cleared,
      after: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
      limit: input.limit,
    });
    const last = rows.at(-1);
    return {
      users: rows.map((u) => ({
        user_id: u.userId,
        reason: u.reason,
        flag_count: u.flagCount,
        flagged_at: iso(u.flaggedAt),
        cleared_at: u.clearedAt === null ? null : iso(u.clearedAt),
        cleared_by: u.clearedBy,
      })),
      nextCursor: rows.length === input.limit && last ? encodeCursor(last.flaggedAt, last.userId) : null,
    };
  },
});

/** `admin.clearFlag`: clears a user's active flag; `cleared` is false when there was none. */
export const clearFlag = defineMutation({
  access: 'admin',
  input: clearFlagInputSchema,
  async resolve(ctx, input): Promise<{ cleared: boolean }> {
    return { cleared: await ctx.deps.admin.clearFlag(input.user_id, ctx.principal.subject) };
  },
});

/**
 * `admin.eraseUser`: erases a user's data on request: their score goes, their ledger rows are
 * pseudonymised, their security events and flags are deleted; they leave the live board.
 */
export const eraseUser = defineMutation({
  access: 'admin',
  input: eraseUserInputSchema,
  async resolve(ctx, input): Promise<ErasureView> {
    const result = await ctx.deps.admin.eraseUser(input.user_id, ctx.principal.subject);
    if (result.kind === 'unknown_user') throw new TRPCError({ code: 'NOT_FOUND', message: result.message });
    if (result.kind === 'unavailable') throw refusalError(result.refusal);
    const { erasure } = result;
    return {
      score: erasure.score,
      ledger_rows: erasure.ledgerRows,
      security_events_deleted: erasure.securityEvents,
      flags_deleted: erasure.flags,
      pseudonym: erasure.pseudonym,
    };
  },
});

/** Who asks for a change to a board, from where, and why. */
function originOf(ctx: CallerContext<'admin'>, reason: string | undefined): AdminOrigin {
  return { by: ctx.principal.subject, ip: ctx.request.ip, reason: reason ?? null };
}

function valueOrThrow<T>(result: Result<T>): T {
  if (!result.ok) throw refusalError(result.refusal);
  return result.value;
}

/**
 * `admin.startSeason`: the board's next season starts now (the commit instant); the one before
 * ends then and is read as a past window. CONFLICT for a board without a season window or an
 * archived one, NOT_FOUND for an unknown one.
 */
export const startSeason = defineMutation({
  access: 'admin',
  input: startSeasonInputSchema,
  async resolve(ctx, input): Promise<SeasonStartView> {
    const started = valueOrThrow(await ctx.deps.admin.startSeason(input.board, originOf(ctx, input.reason)));
    return { board: input.board, season: started.season, started_at: iso(started.startedAt) };
  },
});

/**
 * `admin.removeUser`: takes the user off the board's window `all` and its current windows (past
 * windows keep them); NOT_FOUND when they have no score there.
 */
export const removeUser = defineMutation({
  access: 'admin',
  input: removeUserInputSchema,
  async resolve(ctx, input): Promise<UserRemovalView> {
    const removal = valueOrThrow(
      await ctx.deps.admin.removeUser(input.board, input.user_id, originOf(ctx, input.reason)),
    );
    return {
      board: input.board,
      user_id: input.user_id,
      score: removal.score,
      windows: [...removal.windows],
    };
  },
});

/**
 * `admin.setScore`: sets the user's score on the whole board, whatever the rules; each current
 * window the user has a score in moves with it (see scoreAfterSet). UNPROCESSABLE_CONTENT
 * outside the board's min and max.
 */
export const setScore = defineMutation({
  access: 'admin',
  input: setScoreInputSchema,
  async resolve(ctx, input): Promise<ScoreSetView> {
    const set = valueOrThrow(
      await ctx.deps.admin.setScore(input.board, input.user_id, input.score, originOf(ctx, input.reason)),
    );
    return {
      board: input.board,
      user_id: input.user_id,
      previous_score: set.previousScore,
      score: set.record.score,
    };
  },
});
