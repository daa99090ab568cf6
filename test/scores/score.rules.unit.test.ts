import { describe, expect, it } from 'vitest';
import { judgeUpdate, mayDecrease } from '../../server/domain/score-rules.js';
import { globalUnder } from '../helpers/boards.js';

const rules = globalUnder({ max: 1000, maxGain: 100, decrease: 'never' });
const command = (newScore: number, userId = 'alice') => ({
  board: rules,
  userId,
  actionId: 'a',
  newScore,
  subject: 'alice',
  ip: null,
});
const current = (score: number) => ({ userId: 'alice', score, reachedSeq: 1 });

describe('judgeUpdate', () => {
  it('applies a rise within the gain limit', () => {
    expect(judgeUpdate(rules, false, command(150), current(50), undefined)).toEqual({ kind: 'apply' });
  });

  it('refuses a score above the maximum before anything else', () => {
    const verdict = judgeUpdate(rules, true, command(1001), current(999), undefined);
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { kind: 'score_rule', status: 422 } });
  });

  it('treats a user without a score as having 0', () => {
    expect(judgeUpdate(rules, false, command(100), undefined, undefined)).toEqual({ kind: 'apply' });
    expect(judgeUpdate(rules, false, command(101), undefined, undefined).kind).toBe('refuse');
  });

  it('replays the same action and payload, and refuses another payload as a conflict', () => {
    const prior = { userId: 'alice', value: 10, previousScore: 0, newScore: 10 };
    expect(judgeUpdate(rules, false, command(10), current(10), prior)).toEqual({ kind: 'replay' });
    expect(judgeUpdate(rules, false, command(11), current(10), prior)).toMatchObject({
      kind: 'refuse',
      refusal: { kind: 'conflict', status: 409 },
    });
    // Action ids are per user: another user's earlier action with this id is no concern of bob's.
    expect(judgeUpdate(rules, false, command(10, 'bob'), undefined, prior)).toEqual({ kind: 'apply' });
  });

  it('refuses a decrease unless the caller may decrease', () => {
    expect(judgeUpdate(rules, false, command(40), current(50), undefined).kind).toBe('refuse');
    expect(judgeUpdate(rules, true, command(40), current(50), undefined)).toEqual({ kind: 'apply' });
  });
});

describe('mayDecrease', () => {
  it('follows the configured policy', () => {
    expect([
      mayDecrease('never', true),
      mayDecrease('service', false),
      mayDecrease('service', true),
      mayDecrease('always', false),
    ]).toEqual([false, false, true, true]);
  });
});
