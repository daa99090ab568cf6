import { type BoardWindow, type WindowSpec, windowAt, windowContains } from './board-window.js';

/**
 * windowAt for one schedule, remembering the last answer: a write asks for the window it
 * commits in, which is nearly always the one before, and a zone lookup is far dearer than a
 * comparison. A new schedule (a season started) needs a new memo.
 */
export function windowMemo(spec: WindowSpec): (instantMs: number) => BoardWindow {
  let last: BoardWindow | undefined;
  return (instantMs) => {
    if (last === undefined || !windowContains(last, instantMs)) last = windowAt(spec, instantMs);
    return last;
  };
}
