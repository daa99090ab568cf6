import type { Board, WindowKind } from '../../server/domain/board.js';
import type { WindowSpec } from '../../server/domain/board-window.js';
import type { ScoreRules } from '../../server/domain/score-rules.js';

/** A board for tests: `global`'s shape unless told otherwise; `all` is always its first window. */
export function testBoard(
  overrides: Partial<Omit<Board, 'windows'>> & { windows?: WindowSpec[] } = {},
): Board {
  const { windows = [], ...rest } = overrides;
  const specs = new Map<WindowKind, WindowSpec>([['all', { kind: 'all' }]]);
  for (const spec of windows) specs.set(spec.kind, spec);
  return {
    id: 'global',
    title: 'Global',
    order: 'desc',
    operator: 'total',
    rules: { min: 0, max: 1_000_000_000, maxChange: 1_000_000, decrease: 'never' },
    archived: false,
    ...rest,
    windows: specs,
  };
}

/** The board `global` under the environment's score rules. */
export function globalUnder(rules: ScoreRules): Board {
  return testBoard({ rules: { min: 0, max: rules.max, maxChange: rules.maxGain, decrease: rules.decrease } });
}
