import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BoardStore } from '../../server/storage/storage.js';

/** A board store under test, and how to write behind its back. */
export interface BoardStoreUnderTest {
  readonly store: BoardStore;
  /** Inserts one ledger row (a submission) for the board, as a write would. */
  addSubmission(boardId: string): Promise<void>;
  close(): Promise<void>;
}

/** The behaviour every BoardStore owes the registry, run against each implementation. */
export function boardStoreContract(name: string, open: () => Promise<BoardStoreUnderTest>): void {
  describe(`BoardStore contract: ${name}`, () => {
    let t: BoardStoreUnderTest;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await t.close();
    });

    it('starts with no board, at revision 0', async () => {
      expect(await t.store.list()).toEqual([]);
      expect(await t.store.revision()).toBe(0);
    });

    it('stores boards under a revision that rises with every change, and lists them by id', async () => {
      const { store } = t;
      expect(await store.put('weekly', '{"id":"weekly"}', false)).toBe(1);
      expect(await store.put('daily', '{"id":"daily"}', false)).toBe(2);
      expect(await store.revision()).toBe(2);
      expect(await store.list()).toEqual([
        { id: 'daily', definition: '{"id":"daily"}', archived: false, revision: 2 },
        { id: 'weekly', definition: '{"id":"weekly"}', archived: false, revision: 1 },
      ]);
    });

    it('replaces a board in place: its definition, its archived flag and its revision', async () => {
      const { store } = t;
      await store.put('daily', '{"id":"daily"}', false);
      await store.put('weekly', '{"id":"weekly"}', false);
      expect(await store.put('daily', '{"id":"daily","title":"Daily"}', true)).toBe(3);
      expect(await store.list()).toEqual([
        { id: 'daily', definition: '{"id":"daily","title":"Daily"}', archived: true, revision: 3 },
        { id: 'weekly', definition: '{"id":"weekly"}', archived: false, revision: 2 },
      ]);
      expect(await store.revision()).toBe(3);
    });

    it('gives concurrent changes distinct revisions', async () => {
      const revisions = await Promise.all(
        Array.from({ length: 8 }, (_, i) => t.store.put(`b${i}`, `{"id":"b${i}"}`, false)),
      );
      expect([...revisions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await t.store.revision()).toBe(8);
    });

    it('says whether a board holds a score in any window', async () => {
      await t.store.put('daily', '{"id":"daily"}', false);
      expect(await t.store.hasScores('daily')).toBe(false);
      await t.addSubmission('daily');
      expect(await t.store.hasScores('daily')).toBe(true);
      expect(await t.store.hasScores('weekly')).toBe(false);
    });
  });
}
