import { TRPCError } from '@trpc/server';
import { getParseFn, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import { aroundQuerySchema, updateScoreInputSchema, userQuerySchema } from '../../shared/schemas.js';
import type { Context } from './context.js';
import { resolveAround, resolveRank, resolveTop, topInput } from './routers/leaderboard.router.js';
import { resolveUpdate } from './routers/scores.router.js';
import { admitReadOrThrow, principalOrThrow, recordIfBadInput } from './trpc.js';

/** A procedure called without tRPC's middleware chain: the context and a way to read the input. */
export type DirectCall = (ctx: Context, rawInput: () => Promise<unknown>) => Promise<unknown>;

/**
 * Validates as tRPC's input middleware does: the raw input read first (its own errors pass
 * through), then the parser tRPC would pick for the schema; a failure is BAD_REQUEST with the
 * parser's error as cause (so the same message).
 */
function inputOf<T>(schema: Parameters<typeof getParseFn>[0]): (raw: () => Promise<unknown>) => Promise<T> {
  const parse = getParseFn(schema);
  return async (raw) => {
    const value = await raw();
    try {
      return (await parse(value)) as T;
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
  };
}

/** A public read, as `readProcedure.input(schema).query(resolve)` runs it. */
function read<T>(
  schema: Parameters<typeof getParseFn>[0],
  resolve: (ctx: Context, input: T) => unknown,
): DirectCall {
  const input = inputOf<T>(schema);
  return async (ctx, raw) => {
    await admitReadOrThrow(ctx);
    return resolve(ctx, await input(raw));
  };
}

const updateInput = inputOf<Parameters<typeof resolveUpdate>[1]>(updateScoreInputSchema);

/**
 * The hot procedures, each the same steps as its tRPC definition (the same functions, in the
 * same order: the budget or the token, then the input, then the resolver) without tRPC's
 * per-call middleware machinery, which costs more than the work of a read. The fast HTTP path
 * calls these; `test/trpc/fast-path.test.ts` holds them to tRPC's adapter byte for byte. A
 * Map, so a path from the URL never reaches an object's inherited keys.
 */
export const DIRECT_CALLS: ReadonlyMap<string, DirectCall> = new Map(
  Object.entries({
    'leaderboard.top': read(topInput, resolveTop),
    'leaderboard.rank': read(userQuerySchema, resolveRank),
    'leaderboard.around': read(aroundQuerySchema, resolveAround),
    'scores.update': async (ctx, raw) => {
      const principal = await principalOrThrow(ctx, 'update');
      const authed = { ...ctx, principal };
      try {
        return await resolveUpdate(authed, await updateInput(raw));
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        await recordIfBadInput(authed, error);
        throw error;
      }
    },
  } satisfies Record<string, DirectCall>),
);
