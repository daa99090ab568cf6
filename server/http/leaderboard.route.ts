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
export function queryInput(url: URL, numeric: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(input, key)) continue;
    input[key] = numeric.includes(key) && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
  }
  return input;
}

const ok = (res: ServerResponse, output: unknown) => sendJson(res, 200, output);

/**
 * The public reads of the boards over REST, each the same call as its tRPC query (read budget,
 * then input, then the answer): `GET /leaderboard?limit&cursor` (`leaderboard.top`),
 * `GET /leaderboard/users/{id}` (`leaderboard.rank`) and `GET /leaderboard/users/{id}/around?radius`
 * (`leaderboard.around`) on `global`, and the same under `/boards/{board}/` (with `window` and
 * `at`), plus `GET /boards/{board}/users?ids=` (`leaderboard.ofUsers`).
 */
export function leaderboardRoutes(call: ReturnType<typeof restCall>) {
  return {
    page: (url: URL, res: ServerResponse, meta: RequestMeta, board?: string) =>
      call(
        PROCEDURES.leaderboard.top,
        res,
        { authorization: undefined, meta, rawInput: async () => onBoard(queryInput(url, ['limit']), board) },
        { ok },
      ),

    user(
      target: NonNullable<ReturnType<typeof userPath>>,
      url: URL,
      res: ServerResponse,
      meta: RequestMeta,
      board?: string,
    ) {
      const definition = target.around ? PROCEDURES.leaderboard.around : PROCEDURES.leaderboard.rank;
      const rawInput = async () => {
        const input = onBoard(queryInput(url, ['radius']), board);
        inPath(input, 'user_id');
        input.user_id = target.decodeUserId();
        return input;
      };
      return call(definition, res, { authorization: undefined, meta, rawInput }, { ok });
    },

    /**
     * `GET /boards/{board}/users?ids=a,b,c` (`leaderboard.ofUsers`): friends. The ids may also
     * come as `ids=a&ids=b` (how most clients send an array), or both: every `ids` counts.
     */
    users(url: URL, res: ServerResponse, meta: RequestMeta, board: string) {
      const rawInput = async () => {
        const input = onBoard(queryInput(url, []), board);
        const ids = url.searchParams.getAll('ids').join(',');
        if (Object.hasOwn(input, 'ids')) input.ids = ids === '' ? [] : ids.split(',');
        return input;
      };
      return call(PROCEDURES.leaderboard.ofUsers, res, { authorization: undefined, meta, rawInput }, { ok });
    },
  };
}

/** Refuses a field that the path gives (`user_id`, `board`) when the query gives it too. */
function inPath(input: Record<string, unknown>, field: string): void {
  if (Object.hasOwn(input, field))
    throw new TRPCError({ code: 'BAD_REQUEST', message: `${field}: belongs in the path, not the query` });
}

/** The query's input on the board the path names (none: `global`). */
function onBoard(input: Record<string, unknown>, board: string | undefined): Record<string, unknown> {
  inPath(input, 'board');
  if (board !== undefined) input.board = board;
  return input;
}
