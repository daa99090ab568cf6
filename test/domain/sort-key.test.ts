import { describe, expect, it } from 'vitest';
import { scoreOfSortKey, sortKeyOf } from '../../server/domain/board.js';

describe('sort keys', () => {
  it('scoreOfSortKey undoes sortKeyOf on both orders', () => {
    for (const order of ['desc', 'asc'] as const) {
      for (const score of [0, 1, -1, 42, 9_007_199_254_740_991, -9_007_199_254_740_991]) {
        expect(scoreOfSortKey(order, sortKeyOf(order, score))).toBe(score);
      }
    }
  });

  it('gives 0, never -0, for the key of a zero score on a higher-is-better board', () => {
    expect(Object.is(scoreOfSortKey('desc', sortKeyOf('desc', 0)), 0)).toBe(true);
  });
});
