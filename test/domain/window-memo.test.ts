import { describe, expect, it } from 'vitest';
import { windowAt } from '../../server/domain/board-window.js';
import { windowMemo } from '../../server/domain/window-memo.js';
import { at } from './window-helpers.js';

describe('the window memo', () => {
  it('answers what windowAt answers, reusing the window until an instant falls outside it', () => {
    const spec = { kind: 'day', zone: 'Europe/Berlin' } as const;
    const current = windowMemo(spec);
    const first = current(at('2026-03-29T12:00+02:00'));
    expect(current(at('2026-03-29T23:59:59.999+02:00'))).toBe(first);
    const next = current(at('2026-03-30T00:00+02:00'));
    expect(next).toEqual(windowAt(spec, at('2026-03-30T00:00+02:00')));
    // A write that committed before the reset but is counted after it still gets its own window.
    expect(current(at('2026-03-29T23:59:59.999+02:00'))).toEqual(first);
  });
});
