import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRecords, type ScoreRecord } from '../../server/domain/score-record.js';
import { RankIndex } from '../../server/domain/rank-index.js';

/** The obvious model: every record in an array, sorted on demand. */
class Model {
  readonly byUser = new Map<string, ScoreRecord>();
  sorted(): ScoreRecord[] {
    return [...this.byUser.values()].sort(compareRecords);
  }
}

const op = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      user: fc.integer({ min: 0, max: 60 }),
      score: fc.integer({ min: 0, max: 20 }), // few scores: many ties
      seq: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), user: fc.integer({ min: 0, max: 60 }) }),
  },
);

describe('RankIndex', () => {
  it('agrees with a sorted array on positions, slices and cursors through any sequence of changes', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 1500 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (ops, probes) => {
          const index = new RankIndex(2); // leaves of 2 to 4: splits and emptied leaves all the time
          const model = new Model();
          for (const o of ops) {
            const userId = `u${o.user}`;
            if (o.kind === 'set') {
              const record = { userId, score: o.score, reachedSeq: o.seq };
              const before = model.sorted().findIndex((r) => r.userId === userId);
              model.byUser.set(userId, record);
              const after = model.sorted().findIndex((r) => r.userId === userId);
              expect(index.set(record)).toEqual({ from: before, to: after });
            } else {
              const before = model.sorted().findIndex((r) => r.userId === userId);
              model.byUser.delete(userId);
              expect(index.remove(userId)).toBe(before);
            }
          }
          const sorted = model.sorted();
          expect(index.size).toBe(sorted.length);
          expect(index.slice(0, sorted.length + 5)).toEqual(sorted);
          for (const probe of probes) {
            const at = sorted.length === 0 ? 0 : probe % sorted.length;
            expect(index.slice(at, 7)).toEqual(sorted.slice(at, at + 7));
            const record = sorted[at];
            if (record) {
              expect(index.positionOf(record.userId)).toBe(at);
              expect(index.positionAfter(record)).toBe(at + 1);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('splits leaves past their size and still answers positions (10,000 users)', () => {
    const index = new RankIndex();
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      userId: `u${i}`,
      score: (i * 7919) % 1000,
      reachedSeq: i + 1,
    }));
    for (const record of records) index.set(record);
    const sorted = [...records].sort(compareRecords);
    expect(index.slice(0, 10_000)).toEqual(sorted);
    for (const i of [0, 1, 511, 512, 513, 5000, 9999]) expect(index.positionOf(sorted[i]!.userId)).toBe(i);
    const loaded = new RankIndex();
    loaded.load(records);
    expect(loaded.slice(4990, 20)).toEqual(sorted.slice(4990, 5010));
    expect(loaded.positionOf('u123')).toBe(sorted.findIndex((r) => r.userId === 'u123'));
  });
});
