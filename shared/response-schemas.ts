import { z } from 'zod';
import { MESSAGES } from './messages.js';
import { identifierSchema, scoreSchema } from './schemas.js';

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

/** One row of the leaderboard. */
export const leaderboardEntrySchema = z
  .strictObject({
    rank: z.int().min(1).meta({ description: 'Position on the board, 1-based' }),
    user_id: identifierSchema,
    score: scoreSchema,
  })
  .meta({ id: 'LeaderboardEntry', examples: [{ rank: 1, user_id: 'alice', score: 120 }] });

/** A page of the leaderboard (`GET /leaderboard`, `leaderboard.top`). */
export const leaderboardPageSchema = z.strictObject({
  entries: z.array(leaderboardEntrySchema),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass it back as cursor for the next page; null after the last' }),
});

/** A user's place on the board (`GET /leaderboard/users/{user_id}`, `leaderboard.rank`). */
export const userRankSchema = z
  .strictObject({
    user_id: identifierSchema,
    score: scoreSchema,
    rank: z.int().min(1).meta({
      description: '1 + the number of users ahead (score desc, then who reached it first, then user id)',
    }),
  })
  .meta({ examples: [{ user_id: 'alice', score: 120, rank: 1234 }] });

/** The users around one, in rank order (`GET /leaderboard/users/{user_id}/around`). */
export const neighboursSchema = z.strictObject({ entries: z.array(leaderboardEntrySchema) });
