import { describe, expect, it } from 'vitest';
import { compareRecords } from '../../server/domain/score-record.js';
import { TopScores } from '../../server/leaderboard/top-scores.js';

const rec = (userId: string, score: number, reachedSeq: number) => ({ userId, score, reachedSeq });

describe('TopScores', () => {
  it('keeps the best N in leaderboard order', () => {
    const top = new TopScores(2);
    expect(top.apply(rec('a', 10, 1), 1)).toBe('changed');
    expect(top.apply(rec('b', 30, 2), 2)).toBe('changed');
    expect(top.apply(rec('c', 5, 3), 3)).toBe('unchanged');
    expect(top.apply(rec('c', 20, 4), 4)).toBe('changed');
    expect(top.snapshot()).toEqual([
      { rank: 1, user_id: 'b', score: 30 },
      { rank: 2, user_id: 'c', score: 20 },
    ]);
  });

  it('is idempotent: applying the same record twice changes nothing', () => {
    const top = new TopScores(3);
    top.apply(rec('a', 10, 1), 1);
    const version = top.version;
    expect(top.apply(rec('a', 10, 1), 1)).toBe('unchanged');
    expect(top.version).toBe(version);
  });

  it('asks for a reload when a cached user falls below the cut of a full cache', () => {
    const top = new TopScores(2);
    top.load([rec('a', 30, 1), rec('b', 20, 2)], 2);
    expect(top.apply(rec('a', 1, 3), 3)).toBe('reload');
  });

  it('asks for a reload when the only cached user (N = 1) moves down', () => {
    const top = new TopScores(1);
    top.load([rec('a', 30, 1)], 2);
    expect(top.apply(rec('a', 5, 3), 3)).toBe('reload');
    // Moving up needs no reload.
    expect(top.apply(rec('a', 40, 4), 4)).toBe('changed');
  });

  it('keeps a lowered user without a reload while they stay ahead of the rest', () => {
    const top = new TopScores(3);
    top.load([rec('a', 30, 1), rec('b', 20, 2), rec('c', 10, 3)], 3);
    expect(top.apply(rec('a', 25, 4), 4)).toBe('changed');
    expect(top.snapshot().map((e) => e.user_id)).toEqual(['a', 'b', 'c']);
  });

  it('reorders without a reload when the cache holds every user', () => {
    const top = new TopScores(3);
    top.load([rec('a', 30, 1), rec('b', 20, 2)], 2);
    expect(top.apply(rec('a', 1, 3), 3)).toBe('changed');
    expect(top.snapshot().map((e) => e.user_id)).toEqual(['b', 'a']);
  });

  it('orders ties by who reached the score first, then by user id', () => {
    expect(compareRecords(rec('z', 10, 1), rec('a', 10, 2))).toBeLessThan(0);
    expect(compareRecords(rec('a', 10, 1), rec('b', 10, 1))).toBeLessThan(0);
    expect(compareRecords(rec('a', 11, 9), rec('b', 10, 1))).toBeLessThan(0);
  });
});
