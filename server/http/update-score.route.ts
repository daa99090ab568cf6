import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { MESSAGES } from '../../shared/messages.js';
import { BODY_LIMIT_BYTES, BODY_TOO_LARGE } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import { PROCEDURES } from '../procedures/catalogue.js';
import { decodeText, parseJson, RequestBody } from '../transport/request-body.js';
import { sendJson } from '../transport/respond.js';
import type { restCall } from './rest-call.js';

/**
 * The body as the procedure's input, on the board the path names: a body that names a board
 * itself is bad input (on `/update-score`, the literal 400: its board is always `global`).
 */
function withBoard(body: unknown, board: string | undefined): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  if (Object.hasOwn(body, 'board'))
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'board: belongs in the path, not the body' });
  return board === undefined ? body : { ...body, board };
}

const SUCCESS = JSON.stringify({ status: 'success', message: MESSAGES.success });

/**
 * `POST /update-score` (and `POST /boards/{board}/scores`), the spec's literal contract for
 * `scores.update`: the same call, its
 * answers worded as the spec words them (the literal 200, 400 and 401 bodies). Order: token
 * (401, or 429 once the IP's failed-authentication budget is spent), IP update budget (429),
 * body size (413), input (400, the reason in the audit trail), then the score service (403,
 * 429, 409, 422, 503).
 */
export function updateScoreRoute(call: ReturnType<typeof restCall>) {
  /** `board`: from the path of `POST /boards/{board}/scores` (undefined: `global`). */
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    meta: RequestMeta,
    board?: string,
  ): Promise<void> => {
    const body = new RequestBody(req, BODY_LIMIT_BYTES);
    await call(
      PROCEDURES.scores.update,
      res,
      {
        authorization: req.headers.authorization,
        meta,
        // Strict UTF-8: bad bytes are bad input, not U+FFFD in a user id.
        rawInput: async () => withBoard(parseJson(decodeText(await body.bytes(), false)), board),
      },
      {
        ok: (response) => sendJson(response, 200, SUCCESS),
        message: (error) =>
          error.code === 'BAD_REQUEST'
            ? MESSAGES.badRequest
            : error.code === 'PAYLOAD_TOO_LARGE'
              ? BODY_TOO_LARGE.message
              : error.message,
      },
    );
    body.discard();
  };
}
