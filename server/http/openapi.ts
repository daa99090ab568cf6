import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { boardIdSchema } from '../../shared/board-id.js';
import { MESSAGES } from '../../shared/messages.js';
import { noScoreMessage } from '../../shared/read-refusals.js';
import {
  boardListSchema,
  errorBodySchema,
  leaderboardPageSchema,
  neighboursSchema,
  successBodySchema,
  userRankSchema,
  usersStandingSchema,
} from '../../shared/response-schemas.js';
import {
  AROUND_RADIUS_MAX,
  aroundQuerySchema,
  FRIENDS_MAX,
  ID_MAX_LENGTH,
  identifierSchema,
  LEADERBOARD_LIMIT_MAX,
  leaderboardQuerySchema,
  updateScoreInputSchema,
  userQuerySchema,
  usersQuerySchema,
} from '../../shared/schemas.js';
import { BODY_LIMIT_BYTES, BODY_TOO_LARGE, STORAGE_UNAVAILABLE, tooManyRequests } from '../domain/refusal.js';
import { OPEN_BOARDS_MAX } from '../boards/board-registry.js';
import { BOARDS_MAX_AGE_S } from './boards.route.js';
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

/** The user of `.../users/{user_id}[/around]`: one path segment (see user-path.ts). */
const USER_ID = identifierSchema.meta({
  param: { description: 'The user id, URL-encoded (a / in it is %2F)' },
});

/** The board of `/boards/{board}/...`. */
const BOARD_ID = boardIdSchema.meta({
  param: { description: "The board's id; `global` is the board of `/update-score` and `/leaderboard`" },
});

/** The path of a route, under `/boards/{board}/` (`board`) or not. */
const pathOf = (board: boolean, user: boolean) => ({
  path: z.object({ ...(board ? { board: BOARD_ID } : {}), ...(user ? { user_id: USER_ID } : {}) }),
});

/** The board comes from the path (or is `global`), never from the query or the body. */
const NO_BOARD = { board: true } as const;

const badQuery = (example: string) =>
  refusal('A query parameter or the path is not valid; the message names the field', example);
const NO_SCORE = refusal('The user has no score', noScoreMessage('alice'));
const READ_BUDGET = tooMany('the address read budget');

/** The 400 of a read under `/boards/{board}/`: the path, the query, or the window it names. */
const BAD_WINDOW =
  'A query parameter or the path is not valid (the message names the field), the board keeps no ' +
  'window of that kind, or the date names no window that has begun';
const UNKNOWN_BOARD = refusal('There is no board of that id', 'No board "nope"');

/** The body of `POST /update-score` and `POST /boards/{board}/scores`: the board is not in it. */
const updateScoreBody = updateScoreInputSchema.omit(NO_BOARD).meta(updateScoreInputSchema.meta() ?? {});

/** `POST /update-score` or, with a board in the path, `POST /boards/{board}/scores`. */
function updateScore(board: boolean): ZodOpenApiOperationObject {
  return {
    operationId: board ? 'updateBoardScore' : 'updateScore',
    summary: board ? "Submit a user's score to a board" : "Set a user's new score",
    description:
      (board
        ? "The same body, checks and answers as POST /update-score, on the board the path names; the board's " +
          'operator says what new_score means (total, best run, latest, or an increment). '
        : '') +
      'Checks, in order: token, the address budget, body size, input, authorization, ' +
      (board ? 'the board, ' : '') +
      'the user budget, score rules. A 200 means the update is committed. Content-Type is not required.',
    security: [{ bearerJwt: [] }],
    ...(board ? { requestParams: pathOf(true, false) } : {}),
    requestBody: { required: true, content: json(updateScoreBody) },
    responses: {
      '200': {
        description: 'Committed (or an exact replay of an earlier action)',
        content: json(successBodySchema, { status: 'success', message: MESSAGES.success }),
      },
      '400': refusal(
        board
          ? 'The board in the path is not a board id, the body is not a JSON object of exactly the three fields, ' +
              'or a field is invalid'
          : 'The body is not a JSON object of exactly the three fields, or a field is invalid',
        MESSAGES.badRequest,
      ),
      '401': refusal('The token is missing, malformed, expired or wrongly signed', MESSAGES.unauthorized),
      '403': refusal(
        'A valid token for another user (and not role service)',
        'This token may only update the score of its own user',
      ),
      ...(board ? { '404': UNKNOWN_BOARD } : {}),
      '409': refusal(
        board
          ? "This user's action_id was already used on the board with a different payload, or the board is archived"
          : "This user's action_id was already used with a different payload",
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
}

/**
 * What each read says of itself, on `global` (today's routes) or on the board of the path:
 * its summary, description, query, answer, and the example of its 400.
 */
interface Read {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly user: boolean;
  readonly query: z.ZodObject;
  readonly answer: ZodOpenApiResponseObject;
  /** The 400 example of the route on `global`, then under `/boards/{board}/`. */
  readonly badRequest: readonly [string, string];
  /** Whether a user with no score is a 404. */
  readonly noScore: boolean;
}

const WINDOW_NOTE =
  ' The window is the whole board (`all`), now (`current`) unless `window` and `at` say otherwise; ' +
  'the answer names it. A window that ended is read from the database, with the same pages.';

const READS: Record<'page' | 'rank' | 'around', Read> = {
  page: {
    operationId: 'Leaderboard',
    summary: 'A page of the leaderboard',
    description:
      "Ranked in the board's order (on global: score desc), then who reached it first, then user id. " +
      'Walk the pages with next_cursor: a user who did not move is never repeated or skipped.' +
      WINDOW_NOTE,
    user: false,
    query: leaderboardQuerySchema.omit(NO_BOARD),
    answer: { description: 'The page', content: json(leaderboardPageSchema) },
    badRequest: [
      `limit: must be an integer from 1 to ${LEADERBOARD_LIMIT_MAX}`,
      'window: board "global" keeps no week window (it keeps all)',
    ],
    noScore: false,
  },
  rank: {
    operationId: 'UserRank',
    summary: "A user's score and rank",
    description: WINDOW_NOTE.trim(),
    user: true,
    query: userQuerySchema.omit({ ...NO_BOARD, user_id: true }),
    answer: { description: 'The user on the board', content: json(userRankSchema) },
    badRequest: [
      `user_id: Too big: expected string to have <=${ID_MAX_LENGTH} characters`,
      'at: must be "current", "previous" or a date YYYY-MM-DD',
    ],
    noScore: true,
  },
  around: {
    operationId: 'UsersAround',
    summary: 'The users around one',
    description:
      'Up to radius users above the user, the user, and up to radius below, in rank order.' + WINDOW_NOTE,
    user: true,
    query: aroundQuerySchema.omit({ ...NO_BOARD, user_id: true }),
    answer: { description: 'The neighbourhood, in rank order', content: json(neighboursSchema) },
    badRequest: [
      `radius: must be an integer from 0 to ${AROUND_RADIUS_MAX}`,
      'board: "Global" is not a slug: 1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"',
    ],
    noScore: true,
  },
};

/** A read of `global` (today's route) or of the board the path names (`board`). */
function read(which: Read, board: boolean): ZodOpenApiOperationObject {
  const { operationId, summary, description, user, query, answer, badRequest, noScore } = which;
  const notFound = board
    ? refusal(
        noScore
          ? 'There is no board of that id, or the user has no score in the window'
          : UNKNOWN_BOARD.description,
        noScore ? noScoreMessage('alice') : 'No board "nope"',
      )
    : NO_SCORE;
  return {
    operationId: `get${board ? 'Board' : ''}${operationId}`,
    summary: board ? `${summary}, on a board` : summary,
    ...(description ? { description } : {}),
    ...PUBLIC,
    requestParams: { ...(board || user ? pathOf(board, user) : {}), query },
    responses: {
      '200': answer,
      '400': board ? refusal(BAD_WINDOW, badRequest[1]) : badQuery(badRequest[0]),
      ...(board || noScore ? { '404': notFound } : {}),
      '429': READ_BUDGET,
      '431': HEADERS_TOO_LARGE,
    },
  };
}

/** `GET /boards/{board}/users?ids=`: friends. */
const boardUsers: ZodOpenApiOperationObject = {
  operationId: 'getBoardUsers',
  summary: 'Friends: the named users, on a board',
  description:
    `Up to ${FRIENDS_MAX} user ids, comma-separated (\`ids=a,b,c\`; \`ids=a&ids=b\` is read the same). ` +
    'Each named user who has a score in the window, once, with their score and rank on the whole window, ' +
    'in rank order; users without a score are left out.' +
    WINDOW_NOTE,
  ...PUBLIC,
  requestParams: {
    ...pathOf(true, false),
    query: usersQuerySchema.omit(NO_BOARD).extend({
      ids: usersQuerySchema.shape.ids.meta({
        param: {
          style: 'form',
          explode: false,
          description: `1 to ${FRIENDS_MAX} user ids, comma-separated`,
        },
      }),
    }),
  },
  responses: {
    '200': { description: 'The friends who have a score, in rank order', content: json(usersStandingSchema) },
    '400': refusal(
      BAD_WINDOW + `, or more than ${FRIENDS_MAX} ids`,
      `ids: name at most ${FRIENDS_MAX} users`,
    ),
    '404': UNKNOWN_BOARD,
    '429': READ_BUDGET,
    '431': HEADERS_TOO_LARGE,
  },
};

/** `GET /boards`: the public list of boards. */
const boardList: ZodOpenApiOperationObject = {
  operationId: 'getBoards',
  summary: 'The boards',
  description:
    'The boards that take scores (archived ones are left out), by id, each with its title, order, operator ' +
    `and the window of each kind it keeps that is in force now, with its next reset. At most ${OPEN_BOARDS_MAX} boards. ` +
    `Cacheable: public, for at most ${BOARDS_MAX_AGE_S} s and never past the earliest reset it names; ` +
    'revalidate with If-None-Match. No query parameter is taken.',
  ...PUBLIC,
  responses: {
    '200': {
      description: 'The boards, by id',
      headers: z.object({
        'Cache-Control': z.string().meta({ example: 'public, max-age=60' }),
        ETag: z.string().meta({ description: 'Of the body: send it back as If-None-Match' }),
      }),
      content: json(boardListSchema),
    },
    '304': { description: 'If-None-Match named the ETag of the list as it is: no body' },
    '400': badQuery('input: unknown field "board" (it takes none)'),
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
        'Authenticated score updates and live leaderboards: the board global (POST /update-score, ' +
        'GET /leaderboard...) and any other under /boards/{board}/, each read in one of its windows ' +
        '(all time, a day, a week, a month, a season). These are the plain HTTP routes, for ' +
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
      '/update-score': { post: updateScore(false) },
      '/leaderboard': { get: read(READS.page, false) },
      '/leaderboard/users/{user_id}': { get: read(READS.rank, false) },
      '/leaderboard/users/{user_id}/around': { get: read(READS.around, false) },
      '/boards': { get: boardList },
      '/boards/{board}/scores': { post: updateScore(true) },
      '/boards/{board}/leaderboard': { get: read(READS.page, true) },
      '/boards/{board}/users': { get: boardUsers },
      '/boards/{board}/users/{user_id}': { get: read(READS.rank, true) },
      '/boards/{board}/users/{user_id}/around': { get: read(READS.around, true) },
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
