import { z } from 'zod';
import { MESSAGES } from './messages.js';
import { BOARD_OPERATORS, BOARD_ORDERS, boardIdSchema, WINDOW_KINDS } from './board-id.js';
import { identifierSchema } from './schemas.js';

// The bodies the plain HTTP routes answer with, as schemas: the OpenAPI document is generated
// from them. The SDK publishes the same shapes as plain interfaces (shared/schemas.ts), since
// its types may import nothing but tRPC; test/http/openapi.test.ts holds the two equal.

/** The body every refused request answers with, whatever its status code. */
export const errorBodySchema = z
  .strictObject({
    status: z.literal('error'),
    message: z.string().meta({ description: 'What was wrong, in one line' }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.output<typeof errorBodySchema>;

/** The body every successful `POST /update-score` answers with, byte for byte the spec's. */
export const successBodySchema = z
  .strictObject({ status: z.literal('success'), message: z.literal(MESSAGES.success) })
  .meta({ id: 'Success' });
export type SuccessBody = z.output<typeof successBodySchema>;

/**
 * A score as a board answers it: a whole number (a window of a `total` board where scores may
 * fall counts the points gained there, which can be below zero).
 */
const answeredScore = z.int();

const instant = z.iso.datetime().nullable();

/** What names a window besides its board: its kind, key and instants. */
const windowFields = {
  kind: z.enum(WINDOW_KINDS),
  key: z
    .string()
    .meta({ description: '`all`, `day:2026-03-29`, `week:2026-03-23`, `month:2026-02`, `season:3`' }),
  start: instant.meta({ description: 'When the window began (null: the beginning)' }),
  end: instant.meta({ description: 'When it ends or ended (null: no end scheduled)' }),
  next_reset: instant.meta({
    description: 'When the window of this kind in force now ends (null: none scheduled)',
  }),
};

/** The window a read answered from (every read names it). */
export const windowInfoSchema = z.strictObject({ board: boardIdSchema, ...windowFields }).meta({
  id: 'WindowInfo',
  examples: [
    {
      board: 'global',
      kind: 'week',
      key: 'week:2026-11-30',
      start: '2026-11-29T23:00:00.000Z',
      end: '2026-12-06T23:00:00.000Z',
      next_reset: '2026-12-06T23:00:00.000Z',
    },
  ],
});

/** One row of the leaderboard. */
export const leaderboardEntrySchema = z
  .strictObject({
    rank: z.int().min(1).meta({ description: 'Position on the board, 1-based' }),
    user_id: identifierSchema,
    score: answeredScore,
  })
  .meta({ id: 'LeaderboardEntry', examples: [{ rank: 1, user_id: 'alice', score: 120 }] });

/** A page of the leaderboard (`GET /leaderboard`, `leaderboard.top`). */
export const leaderboardPageSchema = z.strictObject({
  window: windowInfoSchema,
  entries: z.array(leaderboardEntrySchema),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass it back as cursor for the next page; null after the last' }),
});

/** A user's place on the board (`GET /leaderboard/users/{user_id}`, `leaderboard.rank`). */
export const userRankSchema = z.strictObject({
  window: windowInfoSchema,
  user_id: identifierSchema,
  score: answeredScore,
  rank: z.int().min(1).meta({
    description:
      "1 + the number of users ahead (in the board's order, then who reached it first, then user id)",
  }),
});

/** The users around one, in rank order (`GET /leaderboard/users/{user_id}/around`). */
export const neighboursSchema = z.strictObject({
  window: windowInfoSchema,
  entries: z.array(leaderboardEntrySchema),
});

/** Friends (`GET /boards/{board}/users?ids=`): those named who have a score, in rank order. */
export const usersStandingSchema = neighboursSchema;

/** A window of the list of boards: the one of its kind in force now. */
export const currentWindowSchema = z.strictObject(windowFields).meta({
  id: 'CurrentWindow',
  examples: [
    {
      kind: 'day',
      key: 'day:2026-12-03',
      start: '2026-12-02T23:00:00.000Z',
      end: '2026-12-03T23:00:00.000Z',
      next_reset: '2026-12-03T23:00:00.000Z',
    },
  ],
});

/** One board of the list (`GET /boards`, `leaderboard.boards`). */
export const boardSummarySchema = z
  .strictObject({
    id: boardIdSchema,
    title: z.string().meta({ description: "What the page shows (the board's id unless it has a title)" }),
    order: z.enum(BOARD_ORDERS).meta({ description: '`desc`: higher is better; `asc`: lower is better' }),
    operator: z.enum(BOARD_OPERATORS).meta({
      description: 'What a submission means: a new total, one run (the best counts), the latest, a delta',
    }),
    windows: z.array(currentWindowSchema).meta({
      description:
        'The current window of each kind the board keeps: `all` first, then day, week, month, season',
    }),
  })
  .meta({ id: 'BoardSummary' });

/** The boards that take scores, by id (`GET /boards`, `leaderboard.boards`). */
export const boardListSchema = z.strictObject({ boards: z.array(boardSummarySchema) });
