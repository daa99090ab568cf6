import { z } from 'zod';
import { BOARD_ORDERS, BOARD_OPERATORS, WINDOW_KINDS, boardIdSchema } from './board-id.js';
import { CONTROL_CHARACTERS, SCORE_CEILING, identifierSchema, strictInput, wholeNumber } from './schemas.js';

export { BOARD_ID_PATTERN, BOARD_OPERATORS, BOARD_ORDERS, WINDOW_KINDS, boardIdSchema } from './board-id.js';

/** Who may lower a `total`: nobody, `service` tokens, anyone. */
export const DECREASE_POLICIES = ['never', 'service', 'always'] as const;
/** The days a week may start on, by name; Monday is ISO weekday 1. */
export const WEEKDAY_NAMES = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

/** Longest board title, in UTF-16 code units. */
export const BOARD_TITLE_MAX = 100;
/** Most season starts one board keeps. */
export const SEASONS_MAX = 10_000;
/** Longest time zone name accepted (the longest IANA name has 32 characters). */
const ZONE_MAX_LENGTH = 64;

const titleSchema = z
  .string()
  .trim()
  .min(1)
  .max(BOARD_TITLE_MAX)
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
  .refine((value) => value.isWellFormed(), 'must not contain lone surrogates');

const zoneSchema = z
  .string({ error: 'must be an IANA time zone name, e.g. "Europe/Berlin"' })
  .max(ZONE_MAX_LENGTH)
  .meta({ description: 'An IANA time zone, e.g. "Europe/Berlin": where the window\'s days begin' });

const WEEKDAY = 'must be a weekday from 1 (Monday) to 7 (Sunday), or its lowercase name, e.g. "monday"';
const weekdaySchema = z
  .union([z.int(), z.enum(WEEKDAY_NAMES)], { error: WEEKDAY })
  .transform((day) => (typeof day === 'number' ? day : WEEKDAY_NAMES.indexOf(day) + 1))
  .pipe(z.int().min(1, { error: WEEKDAY }).max(7, { error: WEEKDAY }));

/** One window of a board, as the board file and `admin.createBoard` declare it. */
export const windowDefinitionSchema = z.discriminatedUnion(
  'kind',
  [
    strictInput({ kind: z.literal('all') }),
    strictInput({ kind: z.literal('day'), zone: zoneSchema }),
    strictInput({ kind: z.literal('week'), zone: zoneSchema, week_starts_on: weekdaySchema.default(1) }),
    strictInput({ kind: z.literal('month'), zone: zoneSchema }),
    strictInput({
      kind: z.literal('season'),
      zone: zoneSchema,
      // Seasons are started by an admin; a file may leave the starts out.
      season_starts: z
        .array(z.int().min(0))
        .max(SEASONS_MAX)
        .optional()
        .meta({ description: 'Epoch milliseconds at which seasons 1, 2, ... started, ascending' }),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `must be one of ${WINDOW_KINDS.join(', ')}` : undefined,
  },
);
/**
 * One window as a board definition gives it (written out, not inferred: the SDK's published
 * types may carry nothing of zod). The schema above is held to it by the `satisfies` below.
 */
export type WindowDefinition =
  | { kind: 'all' }
  | { kind: 'day'; zone: string }
  | { kind: 'week'; zone: string; week_starts_on: number }
  | { kind: 'month'; zone: string }
  | { kind: 'season'; zone: string; season_starts?: number[] | undefined };
windowDefinitionSchema satisfies z.ZodType<WindowDefinition>;

/** A board's windows: each kind at most once. */
const windowsSchema = z
  .array(windowDefinitionSchema)
  .max(WINDOW_KINDS.length)
  .superRefine((windows, ctx) => {
    const seen = new Set<string>();
    windows.forEach((window, i) => {
      if (seen.has(window.kind))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'kind'],
          message: `${JSON.stringify(window.kind)} is listed twice; a board has each kind of window at most once`,
        });
      seen.add(window.kind);
    });
  });

const rulesSchema = strictInput({
  min: wholeNumber(0, SCORE_CEILING).default(0),
  max: wholeNumber(0, SCORE_CEILING).default(SCORE_CEILING),
  max_change: wholeNumber(1, SCORE_CEILING)
    .optional()
    .meta({ description: '`total`: the largest rise in one update; `increment`: the largest delta' }),
  decrease: z.enum(DECREASE_POLICIES).default('never'),
}).refine((rules) => rules.min <= rules.max, { path: ['max'], error: 'must be at least min' });

/**
 * A board as a user declares it, in the board file (BOARDS_FILE) or through
 * `admin.createBoard`: snake_case like the API. Everything but `id` has a default: a `total`
 * board, higher is better, scores from 0 to SCORE_CEILING, window `all`. The zones, week
 * starts and season starts are checked on the server (server/boards/board-definition.ts).
 */
export const boardDefinitionSchema = strictInput({
  id: boardIdSchema,
  title: titleSchema.optional().meta({ description: 'What the page shows (default: the id)' }),
  order: z.enum(BOARD_ORDERS).default('desc'),
  operator: z.enum(BOARD_OPERATORS).default('total'),
  rules: rulesSchema.prefault({}),
  windows: windowsSchema
    .default([])
    .meta({ description: 'The windows besides `all`, which every board keeps (listed or not)' }),
}).superRefine((board, ctx) => {
  const { operator, rules } = board;
  if (rules.max_change !== undefined && (operator === 'best' || operator === 'latest'))
    ctx.addIssue({
      code: 'custom',
      path: ['rules', 'max_change'],
      message: `applies to the operators total and increment only; this board's operator, ${operator}, takes any value from min to max`,
    });
  if (rules.decrease !== 'never' && operator !== 'total')
    ctx.addIssue({
      code: 'custom',
      path: ['rules', 'decrease'],
      message: `applies to the operator total only; this board's operator, ${operator}, has no decrease to allow`,
    });
});
/** A board as written (fields with defaults may be left out). */
export type BoardDefinitionInput = z.input<typeof boardDefinitionSchema>;
/** A board as parsed, defaults filled in. */
export type BoardDefinition = z.output<typeof boardDefinitionSchema>;

/** A board as the admin procedures answer it. */
export interface BoardView {
  id: string;
  title: string;
  order: (typeof BOARD_ORDERS)[number];
  operator: (typeof BOARD_OPERATORS)[number];
  rules: {
    min: number;
    max: number;
    /** null: no bound per submission. */
    max_change: number | null;
    decrease: (typeof DECREASE_POLICIES)[number];
  };
  /** `all` first, then the others in the order of WINDOW_KINDS. */
  windows: WindowDefinition[];
  /** An archived board is read, never written. */
  archived: boolean;
}

/** Longest reason an admin gives for a change, in UTF-16 code units. */
export const ADMIN_REASON_MAX = 200;

/** Why an admin changes a board: kept in the ledger row and the audit entry of the change. */
export const adminReasonSchema = z
  .string()
  .trim()
  .min(1, { error: `must be 1 to ${ADMIN_REASON_MAX} characters` })
  .max(ADMIN_REASON_MAX, { error: `must be 1 to ${ADMIN_REASON_MAX} characters` })
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
  .refine((value) => value.isWellFormed(), 'must not contain lone surrogates');

/** Input of `admin.startSeason`. */
export const startSeasonInputSchema = strictInput({
  board: boardIdSchema,
  reason: adminReasonSchema.optional(),
});

/** Input of `admin.removeUser`. */
export const removeUserInputSchema = strictInput({
  board: boardIdSchema,
  user_id: identifierSchema,
  reason: adminReasonSchema,
});

/** Input of `admin.setScore`: the user's score on the whole board (checked against its min and max). */
export const setScoreInputSchema = strictInput({
  board: boardIdSchema,
  user_id: identifierSchema,
  score: wholeNumber(0, SCORE_CEILING),
  reason: adminReasonSchema,
});

/** What `admin.startSeason` answers. */
export interface SeasonStartView {
  board: string;
  /** The number of the season that started (its window is `season:<n>`). */
  season: number;
  /** When it started: the instant the change committed. */
  started_at: string;
}

/** What `admin.removeUser` answers. */
export interface UserRemovalView {
  board: string;
  user_id: string;
  /** The user's score on the whole board before (null: none there, only in a current window). */
  score: number | null;
  /** The windows the user was removed from: `all` and the current ones they had a score in. */
  windows: string[];
}

/** What `admin.setScore` answers. */
export interface ScoreSetView {
  board: string;
  user_id: string;
  /** The user's score on the whole board before (null: none). */
  previous_score: number | null;
  score: number;
}
