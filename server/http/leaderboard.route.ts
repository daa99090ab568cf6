import type { ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import type { RequestMeta } from '../domain/request-origin.js';
import { PROCEDURES } from '../procedures/catalogue.js';
import { sendJson } from '../transport/respond.js';
import type { restCall } from './rest-call.js';
import type { userPath } from './user-path.js';

/**
 * A query string as a procedure's input: each parameter once (the first), the `numeric` ones
 * as numbers when they are whole numbers (else left as text, for the schema to refuse). An
 * object without a prototype, so a parameter named `__proto__` is a field like any other.
 */
function queryInput(url: URL, numeric: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(input, key)) continue;
    input[key] = numeric.includes(key) && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
  }
  return input;
}

const ok = (res: ServerResponse, output: unknown) => sendJson(res, 200, output);

/**
 * The public reads of the board over REST, each the same call as its tRPC query (read budget,
 * then input, then the answer from memory): `GET /leaderboard?limit&cursor` (`leaderboard.top`),
 * `GET /leaderboard/users/{id}` (`leaderboard.rank`) and `GET /leaderboard/users/{id}/around?radius`
 * (`leaderboard.around`).
 */
export function leaderboardRoutes(call: ReturnType<typeof restCall>) {
  return {
    page: (url: URL, res: ServerResponse, meta: RequestMeta) =>
      call(
        PROCEDURES.leaderboard.top,
        res,
        { authorization: undefined, meta, rawInput: async () => queryInput(url, ['limit']) },
        { ok },
      ),

    user(target: NonNullable<ReturnType<typeof userPath>>, url: URL, res: ServerResponse, meta: RequestMeta) {
      const definition = target.around ? PROCEDURES.leaderboard.around : PROCEDURES.leaderboard.rank;
      const rawInput = async () => {
        const input = queryInput(url, ['radius']);
        if (Object.hasOwn(input, 'user_id')) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: 'user_id: belongs in the path, not the query',
          });
        }
        input.user_id = target.decodeUserId();
        return input;
      };
      return call(definition, res, { authorization: undefined, meta, rawInput }, { ok });
    },
  };
}
