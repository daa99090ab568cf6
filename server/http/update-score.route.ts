import type { IncomingMessage, ServerResponse } from 'node:http';
import { MESSAGES } from '../../shared/messages.js';
import { updateScoreInputSchema } from '../../shared/schemas.js';
import type { AppServices } from '../app-services.js';
import { authenticateRequest } from '../security/authenticate-request.js';
import { INVALID_INPUT, refuse } from '../scores/refusal.js';
import { readJsonBody } from './json-body.js';
import { clientIp, requestIdOf } from './request-meta.js';
import { sendJson, sendRefusal } from './respond.js';

const SUCCESS = JSON.stringify({ status: 'success', message: MESSAGES.success });
function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'invalid input';
  const where = issue.path.map(String).join('.') || 'body';
  return `${where}: ${issue.message}`.slice(0, 200);
}

const TOO_LARGE = refuse('payload_too_large', 'Request body is larger than 16 KiB');

/**
 * `POST /update-score`, the spec's literal contract. Order: IP budget (429), token (401),
 * body size (413), input (400), then the shared service (403, 429, 409, 422, 503).
 */
export async function updateScoreRoute(
  services: AppServices,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const meta = { ip: clientIp(req), requestId: requestIdOf(req) };
  const auth = await authenticateRequest(services, req.headers.authorization, meta, true);
  if (!auth.ok) {
    req.resume();
    return sendRefusal(res, auth.refusal);
  }
  const principal = auth.value;
  const origin = { subject: principal.subject, ip: meta.ip, userId: null, requestId: meta.requestId };
  const body = await readJsonBody(req);
  if (body.kind === 'aborted') return;
  if (body.kind === 'too_large') {
    res.setHeader('connection', 'close');
    await services.scores.refuseRequest(TOO_LARGE, origin);
    return sendRefusal(res, TOO_LARGE);
  }
  const input = body.kind === 'ok' ? updateScoreInputSchema.safeParse(body.value) : undefined;
  if (!input?.success) {
    const reason = input ? describeIssue(input.error.issues[0]) : 'body is not valid JSON';
    await services.scores.refuseRequest(refuse('invalid_input', reason), origin);
    return sendRefusal(res, INVALID_INPUT);
  }
  const result = await services.scores.update(principal, input.data, meta);
  if (!result.ok) return sendRefusal(res, result.refusal);
  sendJson(res, 200, SUCCESS);
}
