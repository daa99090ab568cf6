import { z } from 'zod';
import { boardDefinitionSchema } from '../../shared/boards.js';
import { strictInput } from '../../shared/schemas.js';
import { GLOBAL_BOARD_ID, type Board } from '../domain/board.js';
import type { ScoreRules } from '../domain/score-rules.js';
import { boardFromDefinition, checkWindows, definitionOf } from './board-definition.js';

const FROM_ENVIRONMENT =
  'its rules come from SCORE_MAX, SCORE_MAX_GAIN and SCORE_ALLOW_DECREASE; declare only its title and windows';

/**
 * The board `global` as the board file may declare it: a title and more windows only. It is
 * today's board (`POST /update-score` writes it): `total`, `desc`, with the environment's rules.
 */
export const globalEntrySchema = strictInput({
  id: z.literal(GLOBAL_BOARD_ID),
  title: boardDefinitionSchema.shape.title,
  order: z
    .literal('desc', { error: `the board global is desc (higher is better); ${FROM_ENVIRONMENT}` })
    .optional(),
  operator: z.literal('total', { error: `the board global is a total; ${FROM_ENVIRONMENT}` }).optional(),
  rules: z.never({ error: `the board global takes no rules here: ${FROM_ENVIRONMENT}` }).optional(),
  windows: boardDefinitionSchema.shape.windows,
}).superRefine((entry, ctx) => checkWindows(entry.windows, ctx));
export type GlobalEntry = z.output<typeof globalEntrySchema>;

/**
 * The board `global`: a `total`, higher is better, from 0 to SCORE_MAX, rising by at most
 * SCORE_MAX_GAIN per update, lowered as SCORE_ALLOW_DECREASE says; window `all` and the
 * windows the board file adds.
 */
export function globalBoard(rules: ScoreRules, entry?: GlobalEntry): Board {
  return boardFromDefinition({
    id: GLOBAL_BOARD_ID,
    title: entry?.title,
    order: 'desc',
    operator: 'total',
    rules: { min: 0, max: rules.max, max_change: rules.maxGain, decrease: rules.decrease },
    windows: entry?.windows ?? [],
  });
}

/**
 * What the database keeps of `global`: its entry without the rules, which every instance
 * takes from its own environment (as before there were boards).
 */
export function globalEntryOf(board: Board): GlobalEntry {
  const { rules: _rules, ...entry } = definitionOf(board);
  return { ...entry, id: GLOBAL_BOARD_ID, order: 'desc', operator: 'total' };
}
