import { MESSAGES } from '../../shared/messages.js';
import {
  AROUND_RADIUS_MAX,
  CURSOR_MAX_LENGTH,
  ID_MAX_LENGTH,
  LEADERBOARD_LIMIT_MAX,
} from '../../shared/schemas.js';
import { BODY_LIMIT_BYTES } from '../domain/refusal.js';

// The plain HTTP interface, for clients in any language. The literal bodies come from the
// same constants the handlers answer with, so the document cannot drift from them.

const ERROR = { $ref: '#/components/schemas/Error' };
const error = (description: string, message: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ERROR, example: { status: 'error', message } } },
});
const RETRY_AFTER = {
  'Retry-After': { description: 'Whole seconds to wait', schema: { type: 'integer', minimum: 1 } },
};
const TOO_MANY = (what: string) =>
  error(
    `Rate limited (${what}); wait Retry-After seconds`,
    'Too many requests; retry in 42 seconds',
    RETRY_AFTER,
  );
const BAD_QUERY = (message: string) =>
  error('A query parameter or the path is not valid (the message names the field)', message);
const USER_PATH = {
  name: 'user_id',
  in: 'path',
  required: true,
  description: `The user id, URL-encoded (1 to ${ID_MAX_LENGTH} characters; a / in it is %2F)`,
  schema: { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH },
};
const NO_SCORE = error('The user has no score', 'No score for user "alice"');
const json = (schema: unknown, example?: unknown) => ({
  'application/json': { schema, ...(example === undefined ? {} : { example }) },
});

/** The OpenAPI 3.1 description of every plain HTTP route (`GET /openapi.json`). */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Scoreboard',
      version,
      description:
        'Authenticated score updates and a live leaderboard. These are the plain HTTP routes, for ' +
        'clients in any language; TypeScript clients use the tRPC procedures under /trpc (typed SDK), ' +
        'and live boards subscribe over the WebSocket at /trpc (see the README).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['status', 'message'],
          additionalProperties: false,
          properties: { status: { const: 'error' }, message: { type: 'string' } },
        },
        Entry: {
          type: 'object',
          required: ['rank', 'user_id', 'score'],
          additionalProperties: false,
          properties: {
            rank: { type: 'integer', minimum: 1 },
            user_id: { type: 'string' },
            score: { type: 'integer', minimum: 0 },
          },
        },
        UpdateScore: {
          type: 'object',
          required: ['user_id', 'action_id', 'new_score'],
          additionalProperties: false,
          properties: {
            user_id: {
              type: 'string',
              minLength: 1,
              maxLength: ID_MAX_LENGTH,
              description: 'No control characters, no lone surrogates',
            },
            action_id: {
              type: 'string',
              minLength: 1,
              maxLength: ID_MAX_LENGTH,
              description:
                'Single-use: the same action with the same payload is a no-op 200, another payload 409',
            },
            new_score: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          },
        },
      },
    },
    paths: {
      '/update-score': {
        post: {
          summary: "Set a user's new score",
          description:
            'Checks, in order: token, the address budget, body size, input, authorization, the user budget, ' +
            'score rules. A 200 means the update is committed.',
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            content: json(
              { $ref: '#/components/schemas/UpdateScore' },
              { user_id: 'alice', action_id: 'lvl-3', new_score: 120 },
            ),
          },
          responses: {
            '200': {
              description: 'Committed (or an exact replay of an earlier action)',
              content: json(
                {
                  type: 'object',
                  required: ['status', 'message'],
                  properties: { status: { const: 'success' }, message: { const: MESSAGES.success } },
                },
                { status: 'success', message: MESSAGES.success },
              ),
            },
            '400': error(
              'The body is not a JSON object of exactly the three fields, or a field is invalid',
              MESSAGES.badRequest,
            ),
            '401': error('The token is missing, malformed, expired or wrongly signed', MESSAGES.unauthorized),
            '403': error(
              'A valid token for another user (and not role service)',
              'This token may only update the score of its own user',
            ),
            '409': error(
              'action_id already used with a different payload',
              'action_id "a-1" was already used with a different payload',
            ),
            '413': error(
              `Body over ${BODY_LIMIT_BYTES / 1024} KiB`,
              `Request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`,
            ),
            '422': error(
              'A score rule refused it',
              'new_score 90 is lower than the current score 100; scores may not decrease',
            ),
            '429': TOO_MANY('per user, per address, or after too many bad tokens'),
            '503': error(
              'The database could not commit; nothing was applied',
              'Storage is unavailable; the score was not updated',
            ),
          },
        },
      },
      '/leaderboard': {
        get: {
          summary: 'A page of the leaderboard',
          description:
            'Ranked by score, then who reached it first, then user id. Walk the pages with next_cursor.',
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: LEADERBOARD_LIMIT_MAX },
            },
            {
              name: 'cursor',
              in: 'query',
              description: 'The next_cursor of the previous page (opaque)',
              schema: { type: 'string', maxLength: CURSOR_MAX_LENGTH },
            },
          ],
          responses: {
            '200': {
              description: 'The page',
              content: json({
                type: 'object',
                required: ['entries', 'next_cursor'],
                properties: {
                  entries: { type: 'array', items: { $ref: '#/components/schemas/Entry' } },
                  next_cursor: { type: ['string', 'null'] },
                },
              }),
            },
            '400': BAD_QUERY(`limit: must be an integer from 1 to ${LEADERBOARD_LIMIT_MAX}`),
            '429': TOO_MANY('the address read budget'),
          },
        },
      },
      '/leaderboard/users/{user_id}': {
        get: {
          summary: "A user's score and rank",
          parameters: [USER_PATH],
          responses: {
            '200': {
              description: 'The user on the board',
              content: json(
                {
                  type: 'object',
                  required: ['user_id', 'score', 'rank'],
                  properties: {
                    user_id: { type: 'string' },
                    score: { type: 'integer' },
                    rank: { type: 'integer', minimum: 1 },
                  },
                },
                { user_id: 'alice', score: 120, rank: 1234 },
              ),
            },
            '400': BAD_QUERY('user_id: Too big: expected string to have <=128 characters'),
            '404': NO_SCORE,
            '429': TOO_MANY('the address read budget'),
          },
        },
      },
      '/leaderboard/users/{user_id}/around': {
        get: {
          summary: 'The users around one',
          description: 'Up to radius users above the user, the user, and up to radius below.',
          parameters: [
            USER_PATH,
            {
              name: 'radius',
              in: 'query',
              schema: { type: 'integer', minimum: 0, maximum: AROUND_RADIUS_MAX, default: 5 },
            },
          ],
          responses: {
            '200': {
              description: 'The neighbourhood, in rank order',
              content: json({
                type: 'object',
                required: ['entries'],
                properties: { entries: { type: 'array', items: { $ref: '#/components/schemas/Entry' } } },
              }),
            },
            '400': BAD_QUERY(`radius: must be an integer from 0 to ${AROUND_RADIUS_MAX}`),
            '404': NO_SCORE,
            '429': TOO_MANY('the address read budget'),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'The process is up',
          responses: { '200': { description: 'Up', content: json({ type: 'object' }, { status: 'ok' }) } },
        },
      },
      '/readyz': {
        get: {
          summary: 'The database answers',
          description:
            'While Redis does not answer (scale-out) the answer stays 200, with {"status":"degraded","degraded":["redis"],"message":...}: the instance still serves every request.',
          responses: {
            '200': { description: 'Ready', content: json({ type: 'object' }, { status: 'ready' }) },
            '503': error('The database does not answer', 'Database is not answering'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          description: 'Needs Authorization: Bearer <METRICS_TOKEN> when that is set.',
          responses: {
            '200': {
              description: 'Prometheus text format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            '401': error(
              'METRICS_TOKEN is set and was not sent',
              'Metrics need the METRICS_TOKEN bearer token',
            ),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
        },
      },
    },
  };
}
