import { z } from 'zod';
import { BOARD_OPERATORS, BOARD_ORDERS, WINDOW_KINDS, boardIdSchema } from './board-id.js';

export { WINDOW_KINDS } from './board-id.js';

/** Hard upper bound of `new_score` that no configuration can raise. */
export const SCORE_CEILING = Number.MAX_SAFE_INTEGER;
/** Longest accepted `user_id` / `action_id`, in UTF-16 code units. */
export const ID_MAX_LENGTH = 128;
/** Largest leaderboard page a client may ask for. */
export const LEADERBOARD_LIMIT_MAX = 100;

/** C0 and C1 control characters, DEL included. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** An identifier: 1..128 characters, no control characters, no lone surrogates. */
export const identifierSchema = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
  .refine((value) => value.isWellFormed(), 'must not contain lone surrogates')
  .meta({
    id: 'Identifier',
    description: 'No control characters (C0, DEL, C1) and no lone surrogates',
    examples: ['alice'],
  });

/** A whole number in [min, max], refused with one message that says so. */
export function wholeNumber(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/**
 * An object with exactly these fields; an unknown one is refused by name, with the fields
 * that are allowed (one message for every transport: tRPC, REST query strings and bodies).
 */
export function strictInput<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape);
  const allowed = keys.length > 0 ? `allowed: ${keys.join(', ')}` : 'it takes none';
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} (${allowed})`
        : undefined,
  });
}

/** Which board and kind of window a live subscription follows (always the window in force). */
const liveSelection = {
  board: boardIdSchema.optional().meta({ description: 'The board (default: global)' }),
  window: z
    .enum(WINDOW_KINDS, { error: `must be one of ${WINDOW_KINDS.join(', ')}` })
    .optional()
    .meta({ description: 'The kind of window (default: all); the board must keep it' }),
};

/** Which window of a board a read means: its kind, and which one of that kind. */
const windowSelection = {
  ...liveSelection,
  at: z
    .string()
    .max(10, { error: 'must be "current", "previous" or a date YYYY-MM-DD' })
    .optional()
    .meta({ description: '`current` (default), `previous`, or a date YYYY-MM-DD inside a past window' }),
};

/** A score: a safe, non-negative integer. The configured maximum is a score rule. */
export const scoreSchema = z.int().min(0);

/** The body of `POST /update-score` and the input of `scores.update`. */
export const updateScoreInputSchema = strictInput({
  user_id: identifierSchema.meta({
    description: "The user whose score this is: the token's sub, unless the token has role service",
  }),
  action_id: identifierSchema.meta({
    description:
      'Single-use per user: the same action with the same payload is answered 200 and changes nothing; ' +
      'with another payload, 409',
  }),
  new_score: scoreSchema.meta({
    description:
      "What the board's operator makes of it: on `global` (total) the user's new score, not an increment; " +
      'score rules may refuse it (422)',
  }),
  board: boardIdSchema.optional().meta({ description: 'The board written (default: global)' }),
}).meta({ id: 'UpdateScoreInput', examples: [{ user_id: 'alice', action_id: 'lvl-3', new_score: 120 }] });
export type UpdateScoreInput = z.infer<typeof updateScoreInputSchema>;

/** What `scores.update` answers once an update is committed (or replayed). */
export interface UpdateScoreResult {
  user_id: string;
  score: number;
  previous_score: number;
  /**
   * The user's position on the leaderboard now, 1-based; null only when it could not be
   * read just then (the update itself is committed).
   */
  rank: number | null;
  /** False when the same `action_id` was replayed with the same payload. */
  applied: boolean;
}

/** Longest page cursor a client may send back. */
export const CURSOR_MAX_LENGTH = 400;
/** Widest `radius` of `around`. */
export const AROUND_RADIUS_MAX = 50;

/** What a page cursor that this server did not give out is refused with. */
export const BAD_CURSOR_MESSAGE = 'is not one this server gave out';

/** Input of `leaderboard.top` and the query of `GET /leaderboard`; `cursor` is a `next_cursor`. */
export const leaderboardQuerySchema = strictInput({
  ...windowSelection,
  limit: wholeNumber(1, LEADERBOARD_LIMIT_MAX)
    .optional()
    .meta({ description: "Entries in the page (default: the server's LEADERBOARD_SIZE)" }),
  cursor: z
    .string()
    .min(1, { error: BAD_CURSOR_MESSAGE })
    .max(CURSOR_MAX_LENGTH, { error: BAD_CURSOR_MESSAGE })
    .optional()
    .meta({ description: 'The next_cursor of the previous page (opaque)' }),
});
export type LeaderboardQuery = z.infer<typeof leaderboardQuerySchema>;

/** Input of `leaderboard.rank`. */
export const userQuerySchema = strictInput({ ...windowSelection, user_id: identifierSchema });

/** Most users one `leaderboard.ofUsers` (friends) call may name. */
export const FRIENDS_MAX = 100;

/** Input of `leaderboard.ofUsers` and the query of `GET /boards/{board}/users?ids=`. */
export const usersQuerySchema = strictInput({
  ...windowSelection,
  ids: z
    .array(identifierSchema)
    .min(1, { error: 'name at least one user' })
    .max(FRIENDS_MAX, { error: `name at most ${FRIENDS_MAX} users` }),
});

/**
 * Input of `leaderboard.watchUser`: the user's place in the window in force of a board's kind
 * of window (default `global`, `all`); it follows each reset.
 */
export const watchUserQuerySchema = strictInput({ user_id: identifierSchema, ...liveSelection });

/** Input of `leaderboard.around`. */
export const aroundQuerySchema = strictInput({
  ...windowSelection,
  user_id: identifierSchema,
  radius: wholeNumber(0, AROUND_RADIUS_MAX)
    .default(5)
    .meta({ description: 'How many users above the user, and how many below' }),
});

/** A user's place on the board. */
export interface UserRank {
  window: WindowInfo;
  user_id: string;
  score: number;
  /** 1 + the number of users ahead (score desc, then who reached it first, then user id). */
  rank: number;
}

/** What `leaderboard.watchUser` pushes: the user's place, or nulls while they have no score. */
export interface WatchedUser {
  user_id: string;
  score: number | null;
  rank: number | null;
}

/** One row of the leaderboard. */
export interface LeaderboardEntry {
  rank: number;
  user_id: string;
  score: number;
}

/** The window a read answered from. Instants are ISO 8601 (UTC); null is an open end. */
export interface WindowInfo {
  board: string;
  kind: (typeof WINDOW_KINDS)[number];
  /** `all`, `day:2026-03-29`, `week:2026-03-23`, `month:2026-02`, `season:3`. */
  key: string;
  start: string | null;
  end: string | null;
  /** When the window in force now ends (null: no reset scheduled). */
  next_reset: string | null;
}

/** A window a board keeps, as the list of boards names it: the one of its kind in force now. */
export type CurrentWindow = Omit<WindowInfo, 'board'>;

/** A board as the public list of boards (`GET /boards`, `leaderboard.boards`) names it. */
export interface BoardSummary {
  id: string;
  title: string;
  /** `desc`: higher is better; `asc`: lower is better (a time trial). */
  order: (typeof BOARD_ORDERS)[number];
  /** What a submission means: `total`, `best`, `latest` or `increment`. */
  operator: (typeof BOARD_OPERATORS)[number];
  /** The current window of each kind the board keeps: `all` first, then day, week, month, season. */
  windows: CurrentWindow[];
}

/** The boards that take scores (archived ones are left out), by id. */
export interface BoardList {
  boards: BoardSummary[];
}

/** A page of the leaderboard as `GET /leaderboard` and `leaderboard.top` answer it. */
export interface Leaderboard {
  window: WindowInfo;
  entries: LeaderboardEntry[];
  /** Pass it back as `cursor` for the next page; null after the last. */
  next_cursor: string | null;
}

/**
 * What each `leaderboard.live` event carries: the top of the window in force, and which window
 * that is (a reset sends the new window's, usually empty, entries). Its tracked id is
 * `<epoch>:<version>`, with `@<window key>` after it for any kind but `all` (see liveEventIdSchema).
 */
export interface LiveLeaderboardEvent {
  version: number;
  window: WindowInfo;
  entries: LeaderboardEntry[];
}

/** The users around one, as `leaderboard.around` answers. */
export interface Neighbours {
  window: WindowInfo;
  entries: LeaderboardEntry[];
}

/** Friends: each named user who has a score in the window, in the window's order, with their rank there. */
export interface UsersStanding {
  window: WindowInfo;
  entries: LeaderboardEntry[];
}

/**
 * The id of a `leaderboard.live` event: `<epoch>:<version>[@<window key>]`, where the epoch
 * names the database the version counts in and the key the window the event showed (present
 * for every kind but `all`, which never resets: `global`'s ids are as before). A bare
 * `<version>` (older servers) and `<epoch>:<version>` are accepted on resume; an id of another
 * window than the one in force gets the current snapshot. At most 32 + 1 + 15 + 1 + 16 characters.
 */
export const liveEventIdSchema = z
  .string()
  .regex(/^(?:[0-9a-f]{1,32}:)?\d{1,15}(?:@(?:all|(?:day|week|month):[0-9-]{7,10}|season:\d{1,9}))?$/);

/**
 * Input of the `leaderboard.live` subscription: the top of a board's window in force (default
 * `global`, `all`), following each reset; `lastEventId` resumes after a reconnect.
 */
export const liveQuerySchema = strictInput({
  ...liveSelection,
  limit: wholeNumber(1, LEADERBOARD_LIMIT_MAX).optional(),
  lastEventId: liveEventIdSchema.nullish(),
});
export type LiveQuery = z.infer<typeof liveQuerySchema>;

/** Kinds of refusal recorded in the audit trail. */
export const REFUSAL_KINDS = [
  'invalid_input',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'score_rule',
  'rate_limited',
  'unavailable',
] as const;

/** The kind of audit entry an admin's change to a board is recorded under (not a refusal). */
export const ADMIN_ACTION_KIND = 'admin_action';
/** Kinds of entry in the audit trail: refusals, and admins' changes to boards. */
export const AUDIT_KINDS = [...REFUSAL_KINDS, ADMIN_ACTION_KIND] as const;

const pageLimit = z.int().min(1).max(200).default(50);

/** Input of `admin.securityEvents`: filters, newest first, `cursor` from the previous page. */
export const securityEventsQuerySchema = strictInput({
  kind: z.enum(AUDIT_KINDS).optional(),
  subject: z.string().max(200).optional(),
  user_id: z.string().max(200).optional(),
  ip: z.string().max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: pageLimit,
  cursor: z.int().min(1).optional(),
});

/** One security event as the admin procedures return it. */
export interface SecurityEventView {
  id: number;
  kind: string;
  subject: string | null;
  ip: string | null;
  user_id: string | null;
  /** The first refusal's reason; `count` refusals of this kind from this source were folded in. */
  reason: string;
  count: number;
  /** The first and the latest occurrence. */
  created_at: string;
  last_at: string;
}

/** Input of `admin.flaggedUsers`; `cursor` is the opaque `nextCursor` of the previous page. */
export const flaggedUsersQuerySchema = strictInput({
  include_cleared: z.boolean().default(false),
  limit: pageLimit,
  cursor: z.string().max(400).optional(),
});

/** One flagged user as the admin procedures return it. */
export interface FlaggedUserView {
  user_id: string;
  reason: string;
  flag_count: number;
  flagged_at: string;
  cleared_at: string | null;
  cleared_by: string | null;
}

/** Input of `admin.clearFlag`. */
export const clearFlagInputSchema = strictInput({ user_id: z.string().min(1).max(200) });

/** Input of `admin.eraseUser`. */
export const eraseUserInputSchema = strictInput({ user_id: identifierSchema });

/** What `admin.eraseUser` answers. */
export interface ErasureView {
  /** The score the user had, or null if they had none. */
  score: number | null;
  /** Ledger rows pseudonymised (now under `pseudonym`). */
  ledger_rows: number;
  security_events_deleted: number;
  flags_deleted: number;
  pseudonym: string;
}
