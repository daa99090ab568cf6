import type { z } from 'zod';
import {
  boardDefinitionSchema,
  WINDOW_KINDS,
  type BoardDefinition,
  type BoardView,
  type WindowDefinition,
} from '../../shared/boards.js';
import type { Board, WindowKind } from '../domain/board.js';
import type { WindowSpec } from '../domain/board-window.js';
import { parseWindowSpec, type WindowSpecInput, type WindowSpecProblem } from '../domain/window-spec.js';

/** The board file's name of each field parseWindowSpec may find wrong. */
const FIELD_NAMES: ReadonlyMap<WindowSpecProblem['field'], string> = new Map([
  ['kind', 'kind'],
  ['zone', 'zone'],
  ['weekStartsOn', 'week_starts_on'],
  ['seasons', 'season_starts'],
]);

function specInput(window: WindowDefinition): WindowSpecInput {
  switch (window.kind) {
    case 'all':
      return { kind: 'all' };
    case 'day':
    case 'month':
      return { kind: window.kind, zone: window.zone };
    case 'week':
      return { kind: 'week', zone: window.zone, weekStartsOn: window.week_starts_on };
    case 'season':
      return { kind: 'season', zone: window.zone, seasons: window.season_starts ?? [] };
  }
}

/**
 * Adds an issue for each window whose schedule the server refuses (a zone Node's time zone
 * database does not know, seasons out of order), naming its field: `windows[1].zone`.
 */
export function checkWindows(windows: readonly WindowDefinition[], ctx: z.RefinementCtx): void {
  windows.forEach((window, i) => {
    const parsed = parseWindowSpec(specInput(window));
    if (!parsed.ok)
      ctx.addIssue({
        code: 'custom',
        path: ['windows', i, FIELD_NAMES.get(parsed.problem.field) ?? parsed.problem.field],
        message: parsed.problem.message,
      });
  });
}

/** A board as declared (board file, `admin.createBoard`, a stored row), checked in full. */
export const checkedBoardSchema = boardDefinitionSchema.superRefine((board, ctx) =>
  checkWindows(board.windows, ctx),
);

/** `windows[1].zone`: where an issue is, as a user reads it. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

interface Issue {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * One line for a failed parse: `windows[1].zone: <what is wrong>`. An unknown field is named
 * first: a misspelt field also leaves the one meant missing, and the misspelling is the news.
 */
export function issueLine(issues: readonly Issue[]): string {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  return issue.path.length === 0 ? issue.message : `${fieldPath(issue.path)}: ${issue.message}`;
}

function checkedSpec(boardId: string, window: WindowDefinition): WindowSpec {
  const parsed = parseWindowSpec(specInput(window));
  if (parsed.ok) return parsed.spec;
  // Only a definition that skipped checkedBoardSchema gets here: a bug, said plainly.
  throw new Error(
    `Board ${JSON.stringify(boardId)} was not checked: ${window.kind} ${parsed.problem.message}`,
  );
}

/**
 * The board a checked definition declares (see checkedBoardSchema). Its windows are `all`
 * first, listed or not, then the others in the order of WINDOW_KINDS; zones are spelled as
 * the time zone database spells them.
 */
export function boardFromDefinition(definition: BoardDefinition, archived = false): Board {
  const windows = new Map<WindowKind, WindowSpec>([['all', { kind: 'all' }]]);
  for (const kind of WINDOW_KINDS) {
    const window = definition.windows.find((w) => w.kind === kind);
    if (window && kind !== 'all') windows.set(kind, checkedSpec(definition.id, window));
  }
  const { rules } = definition;
  return Object.freeze({
    id: definition.id,
    title: definition.title ?? definition.id,
    order: definition.order,
    operator: definition.operator,
    rules: Object.freeze({
      min: rules.min,
      max: rules.max,
      maxChange: rules.max_change ?? null,
      decrease: rules.decrease,
    }),
    windows,
    archived,
  });
}

function windowDefinitionOf(spec: WindowSpec): WindowDefinition {
  switch (spec.kind) {
    case 'week':
      return { kind: 'week', zone: spec.zone, week_starts_on: spec.weekStartsOn };
    case 'season':
      return { kind: 'season', zone: spec.zone, season_starts: [...spec.seasons] };
    default:
      return { ...spec };
  }
}

/**
 * A board in its definition's form, every default written out and its windows in their
 * order: the same board always gives the same JSON (what the database keeps and compares).
 */
export function definitionOf(board: Board): BoardDefinition {
  const { rules } = board;
  return {
    id: board.id,
    title: board.title,
    order: board.order,
    operator: board.operator,
    rules: {
      min: rules.min,
      max: rules.max,
      ...(rules.maxChange === null ? {} : { max_change: rules.maxChange }),
      decrease: rules.decrease,
    },
    windows: [...board.windows.values()].map(windowDefinitionOf),
  };
}

/** A board as the admin procedures answer it. */
export function boardView(board: Board): BoardView {
  const { rules } = board;
  return {
    ...definitionOf(board),
    title: board.title,
    rules: { min: rules.min, max: rules.max, max_change: rules.maxChange, decrease: rules.decrease },
    archived: board.archived,
  };
}
