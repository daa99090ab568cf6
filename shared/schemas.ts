import { z } from 'zod';

/** Hard upper bound of `new_score` that no configuration can raise. */
export const SCORE_CEILING = Number.MAX_SAFE_INTEGER;
/** Longest accepted `user_id` / `action_id`, in UTF-16 code units. */
export const ID_MAX_LENGTH = 128;
/** Largest leaderboard page a client may ask for. */
export const LEADERBOARD_LIMIT_MAX = 100;

// C0 and C1 control characters, DEL included.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** An identifier: 1..128 characters, no control characters, no lone surrogates. */
export const identifierSchema = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
  .refine((value) => value.isWellFormed(), 'must not contain lone surrogates');

/** A score: a safe, non-negative integer. The configured maximum is a score rule. */
export const scoreSchema = z.int().min(0);

/** The body of `POST /update-score` and the input of `scores.update`. */
export const updateScoreInputSchema = z.strictObject({
  user_id: identifierSchema,
  action_id: identifierSchema,
  new_score: scoreSchema,
});
export type UpdateScoreInput = z.infer<typeof updateScoreInputSchema>;

/** What `scores.update` answers once an update is committed (or replayed). */
export interface UpdateScoreResult {
  user_id: string;
  score: number;
  previous_score: number;
  /** Position on the leaderboard, 1-based. */
  rank: number;
  /** False when the same `action_id` was replayed with the same payload. */
  applied: boolean;
}

/** Input of `leaderboard.top` and the query of `GET /leaderboard`. */
export const leaderboardQuerySchema = z.strictObject({
  limit: z.int().min(1).max(LEADERBOARD_LIMIT_MAX).optional(),
});
export type LeaderboardQuery = z.infer<typeof leaderboardQuerySchema>;

/** One row of the leaderboard. */
export interface LeaderboardEntry {
  rank: number;
  user_id: string;
  score: number;
}

/** The leaderboard as `GET /leaderboard` and `leaderboard.top` answer it. */
export interface Leaderboard {
  entries: LeaderboardEntry[];
}

/** Input of the `leaderboard.live` subscription; `lastEventId` resumes after a reconnect. */
export const liveQuerySchema = z.strictObject({
  limit: z.int().min(1).max(LEADERBOARD_LIMIT_MAX).optional(),
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/)
    .nullish(),
});
export type LiveQuery = z.infer<typeof liveQuerySchema>;
