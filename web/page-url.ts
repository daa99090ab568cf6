/**
 * What the page's address says: `?board=<id>&window=<kind>` (the board and window shown, so a
 * link shows the same), `?limit=N` (1..100, default 10) and `?title=Text` (the heading).
 */
import type { BoardSummary } from '../client-sdk/src/index.js';
import type { Selection } from './board-nav.js';

const DEFAULT_LIMIT = 10;
const DEFAULT_BOARD = 'global';

export function readLimit(params: URLSearchParams): number {
  const value = Number(params.get('limit'));
  return Number.isInteger(value) && value >= 1 && value <= 100 ? value : DEFAULT_LIMIT;
}

export function readTitle(params: URLSearchParams): string | undefined {
  return params.get('title')?.trim().slice(0, 80) || undefined;
}

/**
 * The board and window the address names, if the server has them; else `global` (or the first
 * board), and the board's first window (`all`).
 */
export function readSelection(
  params: URLSearchParams,
  boards: readonly BoardSummary[],
): Selection | undefined {
  const board =
    boards.find((b) => b.id === params.get('board')) ??
    boards.find((b) => b.id === DEFAULT_BOARD) ??
    boards[0];
  if (!board) return undefined;
  const window = board.windows.find((w) => w.kind === params.get('window')) ?? board.windows[0];
  return { board: board.id, window: window?.kind ?? 'all' };
}

/** Writes the selection into the address (replacing the entry: no new history step). */
export function writeSelection(selection: Selection): void {
  const url = new URL(location.href);
  url.searchParams.set('board', selection.board);
  url.searchParams.set('window', selection.window);
  history.replaceState(null, '', url);
}
