import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { MESSAGES } from '../../shared/messages.js';
import {
  errorBodySchema,
  leaderboardPageSchema,
  neighboursSchema,
  successBodySchema,
  userRankSchema,
} from '../../shared/response-schemas.js';
import {
  AROUND_RADIUS_MAX,
  aroundQuerySchema,
  ID_MAX_LENGTH,
  identifierSchema,
  LEADERBOARD_LIMIT_MAX,
  leaderboardQuerySchema,
  updateScoreInputSchema,
} from '../../shared/schemas.js';
import { BODY_LIMIT_BYTES, BODY_TOO_LARGE, STORAGE_UNAVAILABLE, tooManyRequests } from '../domain/refusal.js';
import { DATABASE_DOWN, healthBodySchema, readyBodySchema } from './health.route.js';
import { METRICS_UNAUTHORIZED } from './metrics.route.js';

// The plain HTTP interface, for clients in any language, generated from the schemas the routes
// validate and answer with. Written here is only what schemas cannot say: paths, status codes,
// who may call, and example refusals (test/http/openapi.test.ts provokes each and compares).

const json = (schema: z.ZodType, example?: unknown) => ({
  'application/json': { schema, ...(example === undefined ? {} : { example }) },
});

const refusal = (description: string, message: string, headers?: z.ZodObject): ZodOpenApiResponseObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: json(errorBodySchema, { status: 'error', message }),
});

const tooMany = (budget: string) =>
  refusal(
    `Rate limited (${budget}); wait Retry-After seconds`,
    tooManyRequests(42).message,
    z.object({ 'Retry-After': z.int().min(1).meta({ description: 'Whole seconds to wait' }) }),
  );

/** Node.js answers it before any route sees the request; every operation can get it. */
const HEADERS_TOO_LARGE: ZodOpenApiResponseObject = {
  id: 'HeadersTooLarge',
  description: "The request's headers are over 16 KiB; answered with no body, and the connection closed",
};

/** Anyone may call it. */
const PUBLIC = { security: [] };

/** The user of `/leaderboard/users/{user_id}[/around]`: one path segment (see user-path.ts). */
const USER_PATH = {
  path: z.object({
    user_id: identifierSchema.meta({ param: { description: 'The user id, URL-encoded (a / in it is %2F)' } }),
  }),
};

const badQuery = (example: string) =>
  refusal('A query parameter or the path is not valid; the message names the field', example);
const NO_SCORE = refusal('The user has no score', 'No score for user "alice"');
const READ_BUDGET = tooMany('the address read budget');

const updateScore: ZodOpenApiOperationObject = {
  operationId: 'updateScore',
  summary: "Set a user's new score",
  description:
    'Checks, in order: token, the address budget, body size, input, authorization, the user budget, ' +
    'score rules. A 200 means the update is committed. Content-Type is not required.',
  security: [{ bearerJwt: [] }],
  requestBody: { required: true, content: json(updateScoreInputSchema) },
  responses: {
    '200': {
      description: 'Committed (or an exact replay of an earlier action)',
      content: json(successBodySchema, { status: 'success', message: MESSAGES.success }),
    },
    '400': refusal(
      'The body is not a JSON object of exactly the three fields, or a field is invalid',
      MESSAGES.badRequest,
    ),
    '401': refusal('The token is missing, malformed, expired or wrongly signed', MESSAGES.unauthorized),
    '403': refusal(
      'A valid token for another user (and not role service)',
      'This token may only update the score of its own user',
    ),
    '409': refusal(
      "This user's action_id was already used with a different payload",
      'action_id "a-1" was already used with a different payload',
    ),
    '413': refusal(`The body is over ${BODY_LIMIT_BYTES / 1024} KiB`, BODY_TOO_LARGE.message),
    '422': refusal(
      'A score rule refused it',
      'new_score 90 is lower than the current score 100; scores may not decrease',
    ),
    '429': tooMany('per user, per address, or after too many bad tokens'),
    '431': HEADERS_TOO_LARGE,
    '503': refusal('The database could not commit; nothing was applied', STORAGE_UNAVAILABLE.message),
  },
};

const leaderboardPage: ZodOpenApiOperationObject = {
  operationId: 'getLeaderboard',
  summary: 'A page of the leaderboard',
  description:
    'Ranked by score, then who reached it first, then user id. Walk the pages with next_cursor: ' +
    'a user who did not move is never repeated or skipped.',
  ...PUBLIC,
  requestParams: { query: leaderboardQuerySchema },
  responses: {
    '200': { description: 'The page', content: json(leaderboardPageSchema) },
    '400': badQuery(`limit: must be an integer from 1 to ${LEADERBOARD_LIMIT_MAX}`),
    '429': READ_BUDGET,
    '431': HEADERS_TOO_LARGE,
  },
};

const userRank: ZodOpenApiOperationObject = {
  operationId: 'getUserRank',
  summary: "A user's score and rank",
  ...PUBLIC,
  requestParams: USER_PATH,
  responses: {
    '200': { description: 'The user on the board', content: json(userRankSchema) },
    '400': badQuery(`user_id: Too big: expected string to have <=${ID_MAX_LENGTH} characters`),
    '404': NO_SCORE,
    '429': READ_BUDGET,
    '431': HEADERS_TOO_LARGE,
  },
};

const usersAround: ZodOpenApiOperationObject = {
  operationId: 'getUsersAround',
  summary: 'The users around one',
  description: 'Up to radius users above the user, the user, and up to radius below, in rank order.',
  ...PUBLIC,
  requestParams: { ...USER_PATH, query: aroundQuerySchema.omit({ user_id: true }) },
  responses: {
    '200': { description: 'The neighbourhood, in rank order', content: json(neighboursSchema) },
    '400': badQuery(`radius: must be an integer from 0 to ${AROUND_RADIUS_MAX}`),
    '404': NO_SCORE,
    '429': READ_BUDGET,
    '431': HEADERS_TOO_LARGE,
  },
};

/** An operational route: public, answered without a budget. */
const probe = (
  operationId: string,
  summary: string,
  ok: ZodOpenApiResponseObject,
  more: ZodOpenApiOperationObject['responses'] = {},
): ZodOpenApiOperationObject => ({
  operationId,
  summary,
  ...PUBLIC,
  responses: { '200': ok, '431': HEADERS_TOO_LARGE, ...more },
});

/** The OpenAPI 3.1 description of every plain HTTP route (`GET /openapi.json`). */
export function openApiDocument(version: string): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Scoreboard',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Authenticated score updates and a live leaderboard. These are the plain HTTP routes, for ' +
        'clients in any language; TypeScript clients use the tRPC procedures under /trpc (typed SDK), ' +
        'and live boards subscribe over the WebSocket at /trpc (see docs/live-protocol.md).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearerJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "A JWT whose sub is the user; one with role service may update any user's score",
        },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The METRICS_TOKEN the server is configured with',
        },
      },
    },
    paths: {
      '/update-score': { post: updateScore },
      '/leaderboard': { get: leaderboardPage },
      '/leaderboard/users/{user_id}': { get: userRank },
      '/leaderboard/users/{user_id}/around': { get: usersAround },
      '/healthz': {
        get: probe('getHealth', 'The process is up', {
          description: 'Up',
          content: json(healthBodySchema, { status: 'ok' }),
        }),
      },
      '/readyz': {
        get: probe(
          'getReadiness',
          'The database answers',
          {
            description:
              'Ready; while Redis does not answer (scale-out), degraded: the instance still serves every request',
            content: json(readyBodySchema, { status: 'ready' }),
          },
          { '503': refusal('The database does not answer', DATABASE_DOWN) },
        ),
      },
      '/metrics': {
        get: {
          ...probe(
            'getMetrics',
            'Prometheus metrics',
            { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
            { '401': refusal('METRICS_TOKEN is set and was not sent', METRICS_UNAUTHORIZED) },
          ),
          description: 'Public unless the server sets METRICS_TOKEN; then it needs that bearer token.',
          security: [{ metricsToken: [] }, {}],
        },
      },
      '/openapi.json': {
        get: probe('getOpenApiDocument', 'This document', {
          description: 'OpenAPI 3.1',
          content: json(z.looseObject({ openapi: z.string() })),
        }),
      },
    },
  });
}
