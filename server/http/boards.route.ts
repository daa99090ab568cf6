import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BoardList } from '../../shared/schemas.js';
import type { RequestMeta } from '../domain/request-origin.js';
import { PROCEDURES } from '../procedures/catalogue.js';
import { sendJson } from '../transport/respond.js';
import { queryInput } from './leaderboard.route.js';
import type { restCall } from './rest-call.js';

/** Longest a client or a shared cache keeps the list of boards: a created board shows within it. */
export const BOARDS_MAX_AGE_S = 60;

/**
 * How long the list may be kept: BOARDS_MAX_AGE_S, and never past the earliest reset it names
 * (a window it lists would have ended), in whole seconds.
 */
export function boardsMaxAge(list: BoardList, nowMs: number): number {
  let seconds = BOARDS_MAX_AGE_S;
  for (const board of list.boards)
    for (const window of board.windows)
      if (window.next_reset !== null)
        seconds = Math.min(seconds, Math.floor((Date.parse(window.next_reset) - nowMs) / 1000));
  return Math.max(0, seconds);
}

/**
 * `GET /boards` (`leaderboard.boards`): the boards that take scores, as the same call as the
 * tRPC query (read budget, then input: no query parameter is taken). Cacheable: public, for at
 * most BOARDS_MAX_AGE_S and never past a reset it names, with an ETag (a matching
 * If-None-Match is a 304 without a body).
 */
export function boardsRoute(call: ReturnType<typeof restCall>, now: () => number) {
  return (req: IncomingMessage, url: URL, res: ServerResponse, meta: RequestMeta) =>
    call(
      PROCEDURES.leaderboard.boards,
      res,
      { authorization: undefined, meta, rawInput: async () => queryInput(url, []) },
      {
        ok(response, output) {
          const body = JSON.stringify(output);
          const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
          const maxAge = boardsMaxAge(output as BoardList, now());
          const headers = {
            'cache-control': maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache',
            etag,
          };
          if (req.headers['if-none-match'] === etag) {
            response.writeHead(304, headers);
            response.end();
            return;
          }
          sendJson(response, 200, body, headers);
        },
      },
    );
}
