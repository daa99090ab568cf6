import type { IncomingMessage, ServerResponse } from 'node:http';
import { MESSAGES } from '../../shared/messages.js';
import { updateScoreInputSchema } from '../../shared/schemas.js';
import { INVALID_INPUT, refuse } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { ScoreService } from '../scores/score.service.js';
import type { RequestGate } from '../security/request-gate.js';
import { BODY_LIMIT_BYTES, readJsonBody } from '../transport/json-body.js';
import { sendJson, sendRefusal } from '../transport/respond.js';

const SUCCESS = JSON.stringify({ status: 'success', message: MESSAGES.success });
const TOO_LARGE = refuse('payload_too_large', `Request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`);

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'invalid input';
  const where = issue.path.map(String).join('.') || 'body';
  return `${where}: ${issue.message}`.slice(0, 200);
}

/**
 * `POST /update-score`, the spec's literal contract. Order: token (401, or 429 once the IP's
 * failed-authentication budget is spent), IP update budget (429), body size (413), input
 * (400), then the shared service (403, 429, 409, 422, 503).
 */
export function updateScoreRoute(gate: RequestGate, scores: ScoreService) {
  return async (req: IncomingMessage, res: ServerResponse, meta: RequestMeta): Promise<void> => {
    const auth = await gate.authenticate({ authorization: req.headers.authorization }, meta, 'update');
    if (!auth.ok) {
      req.resume();
      return sendRefusal(res, auth.refusal);
    }
    const principal = auth.value;
    const origin = { ...meta, subject: principal.subject, userId: null };
    const body = await readJsonBody(req);
    if (body.kind === 'aborted') return;
    if (body.kind === 'too_large') {
      res.setHeader('connection', 'close');
      await gate.refuse(TOO_LARGE, origin, 'update');
      return sendRefusal(res, TOO_LARGE);
    }
    const input = body.kind === 'ok' ? updateScoreInputSchema.safeParse(body.value) : undefined;
    if (!input?.success) {
      const reason = input ? describeIssue(input.error.issues[0]) : 'body is not valid JSON';
      await gate.refuse(refuse('invalid_input', reason), origin, 'update');
      return sendRefusal(res, INVALID_INPUT);
    }
    const result = await scores.update(principal, input.data, meta);
    if (!result.ok) return sendRefusal(res, result.refusal);
    sendJson(res, 200, SUCCESS);
  };
}
