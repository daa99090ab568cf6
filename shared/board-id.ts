import { z } from 'zod';

// The board id and the lists of a board's choices, with nothing to import but zod: the read
// schemas (schemas.ts) and the board file's (boards.ts) both build on them.

/** A board id: a slug of 1..64 lowercase letters, digits and inner hyphens. */
export const BOARD_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** `desc`: higher is better. `asc`: lower is better (a time trial). */
export const BOARD_ORDERS = ['desc', 'asc'] as const;
/** What a submission means (see server/domain/board.ts). */
export const BOARD_OPERATORS = ['total', 'best', 'latest', 'increment'] as const;
/** The windows a board may keep; `all` (the board's whole life) it always keeps. */
export const WINDOW_KINDS = ['all', 'day', 'week', 'month', 'season'] as const;
const SLUG = '1 to 64 lowercase letters, digits and inner hyphens, e.g. "daily-race"';

/** A board id, refused with the rule it breaks. */
export const boardIdSchema = z
  .string({ error: `must be a slug: ${SLUG}` })
  .regex(BOARD_ID_PATTERN, {
    error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 80))} is not a slug: ${SLUG}`,
  })
  .meta({ id: 'BoardId', description: `A slug: ${SLUG}`, examples: ['global'] });
