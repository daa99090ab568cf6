import type { Board, WindowKind } from './board.js';
import type { BoardWindow, WindowSpec } from './board-window.js';
import { windowMemo } from './window-memo.js';

const memos = new WeakMap<WindowSpec, (instantMs: number) => BoardWindow>();

/** The window of one schedule at the instant, remembered per schedule (see windowMemo). */
export function windowOf(spec: WindowSpec, instantMs: number): BoardWindow {
  let memo = memos.get(spec);
  if (memo === undefined) {
    memo = windowMemo(spec);
    memos.set(spec, memo);
  }
  return memo(instantMs);
}

/** The windows of the board in force at the instant, `all` first: where a write at it counts. */
export function windowsAt(board: Board, instantMs: number): BoardWindow[] {
  const windows: BoardWindow[] = [];
  for (const spec of board.windows.values()) windows.push(windowOf(spec, instantMs));
  return windows;
}

/** The kind of window a key names (`day:2026-03-29` is a day). */
export function windowKindOf(key: string): WindowKind {
  const colon = key.indexOf(':');
  return (colon < 0 ? key : key.slice(0, colon)) as WindowKind;
}

/**
 * Whether window key `a` comes after `b` (two windows of the same kind). Calendar keys are ISO
 * dates, which sort as text; seasons are numbered.
 */
export function isLaterWindow(a: string, b: string): boolean {
  if (a.startsWith('season:')) return Number(a.slice(7)) > Number(b.slice(7));
  return a > b;
}
