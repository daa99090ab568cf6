import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJudge } from '../../server/domain/score-rules.js';
import type { Storage } from '../../server/storage/storage.js';
import { globalUnder } from '../helpers/boards.js';
import { readWindows } from '../helpers/read-windows.js';

const ALL = [{ boardId: 'global', windowKey: 'all' }];
/** The records of the board `global`. */
const globalRecords = async (storage: Storage) =>
  (await readWindows(storage.scores, ALL)).records.map((r) => r.record);

/** A storage under test, and how to read what it holds behind its back. */
export interface StorageUnderTest {
  readonly storage: Storage;
  /** Rows of the ledger, oldest first, as the database holds them. */
  ledger(): Promise<Array<{ action_id: string; user_id: string; subject: string; ip: string | null }>>;
  /** Attempts a raw UPDATE of a ledger row's new_score; resolves with the error it raised, if any. */
  tamperWithLedger(actionId: string): Promise<unknown>;
  close(): Promise<void>;
}

const board = globalUnder({ max: 1_000_000, maxGain: 1000, decrease: 'never' });
const judge = createJudge(board, false);
const command = (userId: string, actionId: string, newScore: number, subject = userId) => ({
  board,
  userId,
  actionId,
  newScore,
  subject,
  ip: '10.0.0.1',
});

/**
 * The behaviour every Storage implementation owes the services, run against each of them
 * (as Kysely runs one suite for every dialect).
 */
export function storageContract(name: string, open: () => Promise<StorageUnderTest>): void {
  describe(`Storage contract: ${name}`, () => {
    let t: StorageUnderTest;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      await t.close();
    });

    it('applies, replays and refuses updates by the judge it is given, writing only what applies', async () => {
      const { scores } = t.storage;
      const first = await scores.applyUpdate(command('alice', 'a1', 100), judge);
      expect(first).toMatchObject({
        kind: 'applied',
        previousScore: 0,
        record: { userId: 'alice', score: 100 },
      });
      const second = await scores.applyUpdate(command('alice', 'a2', 150), judge);
      expect(second).toMatchObject({ kind: 'applied', previousScore: 100 });
      const replay = await scores.applyUpdate(command('alice', 'a1', 100), judge);
      expect(replay).toEqual({
        kind: 'replayed',
        prior: { userId: 'alice', value: 100, previousScore: 0, newScore: 100 },
        current: { userId: 'alice', score: 150, reachedSeq: expect.any(Number) },
      });
      const refused = await scores.applyUpdate(command('alice', 'a3', 90), judge);
      expect(refused).toMatchObject({ kind: 'refused', refusal: { kind: 'score_rule', status: 422 } });
      const conflict = await scores.applyUpdate(command('alice', 'a1', 101), judge);
      expect(conflict).toMatchObject({ kind: 'refused', refusal: { kind: 'conflict' } });
      expect((await t.ledger()).map((r) => r.action_id)).toEqual(['a1', 'a2']);
      expect(await scores.latestVersion()).toBeGreaterThan(0);
    });

    it('reads the whole board with its version, each user once with the seq that decides ties', async () => {
      const { scores } = t.storage;
      const zed = await scores.applyUpdate(command('zed', 'z1', 50), judge);
      await scores.applyUpdate(command('amy', 'a1', 50), judge);
      await scores.applyUpdate(command('bob', 'b1', 70), judge);
      await scores.applyUpdate(command('zed', 'z2', 50), judge); // same score: zed keeps z1's moment
      const loaded = await readWindows(scores, ALL);
      expect(loaded.version).toBe(await scores.latestVersion());
      const byUser = new Map(loaded.records.map(({ record: r }) => [r.userId, r]));
      expect([...byUser.keys()].sort()).toEqual(['amy', 'bob', 'zed']);
      expect(byUser.get('zed')).toEqual(zed.kind === 'applied' ? zed.record : undefined);
      expect(byUser.get('amy')!.reachedSeq).toBeGreaterThan(byUser.get('zed')!.reachedSeq);
      expect(await scores.epoch()).toMatch(/^[0-9a-f]{12}$/);
      expect(await scores.epoch()).toBe(await scores.epoch());
    });

    it('keeps the ledger append-only', async () => {
      await t.storage.scores.applyUpdate(command('alice', 'a1', 100), judge);
      expect(await t.tamperWithLedger('a1')).toBeDefined();
      expect((await t.ledger()).map((r) => r.action_id)).toEqual(['a1']);
    });

    it('aggregates, filters, pages and prunes security events', async () => {
      const { audit } = t.storage;
      const at = Date.now();
      const a = await audit.insertEvent({
        kind: 'forbidden',
        subject: 'm',
        ip: '1.1.1.1',
        userId: 'bob',
        reason: 'r1',
        at,
      });
      const b = await audit.insertEvent({
        kind: 'conflict',
        subject: 'n',
        ip: '2.2.2.2',
        userId: null,
        reason: 'r2',
        at,
      });
      await audit.insertEvent({
        kind: 'forbidden',
        subject: 'o',
        ip: '3.3.3.3',
        userId: null,
        reason: 'old',
        at: at - 10_000,
      });
      await audit.addCounts([{ id: a, add: 4, lastAt: at + 5 }]);
      const all = await audit.listEvents({ limit: 10 });
      expect(all.map((e) => [e.reason, e.count])).toEqual([
        ['old', 1],
        ['r2', 1],
        ['r1', 5],
      ]);
      expect(all[2]).toMatchObject({
        id: a,
        kind: 'forbidden',
        subject: 'm',
        ip: '1.1.1.1',
        userId: 'bob',
        createdAt: at,
        lastAt: at + 5,
      });
      expect((await audit.listEvents({ limit: 10, kind: 'conflict' })).map((e) => e.id)).toEqual([b]);
      expect((await audit.listEvents({ limit: 10, userId: 'bob' })).map((e) => e.id)).toEqual([a]);
      expect((await audit.listEvents({ limit: 10, ip: '2.2.2.2' })).map((e) => e.id)).toEqual([b]);
      expect((await audit.listEvents({ limit: 10, subject: 'm' })).map((e) => e.id)).toEqual([a]);
      expect((await audit.listEvents({ limit: 10, since: at })).map((e) => e.reason)).toEqual(['r2', 'r1']);
      expect((await audit.listEvents({ limit: 10, before: all[0]!.id })).map((e) => e.reason)).toEqual([
        'r2',
        'r1',
      ]);
      expect(await audit.prune(at - 1)).toBe(1);
      expect((await audit.listEvents({ limit: 10 })).map((e) => e.reason)).toEqual(['r2', 'r1']);
    });

    it('pages flagged users without skipping those flagged in the same millisecond', async () => {
      const { flags } = t.storage;
      vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
      for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) await flags.flagUser(user, 'too many');
      vi.restoreAllMocks();
      const seen: string[] = [];
      let after: { flaggedAt: number; userId: string } | undefined;
      for (;;) {
        const page = await flags.listFlaggedUsers({ includeCleared: false, limit: 2, after });
        seen.push(...page.map((u) => u.userId));
        if (page.length < 2) break;
        after = { flaggedAt: page.at(-1)!.flaggedAt, userId: page.at(-1)!.userId };
      }
      expect(seen).toEqual(['u5', 'u4', 'u3', 'u2', 'u1']);
      expect(await flags.clearFlag('u3', 'ops')).toBe(true);
      expect(await flags.clearFlag('u3', 'ops')).toBe(false);
      expect(
        (await flags.listFlaggedUsers({ includeCleared: false, limit: 10 })).map((u) => u.userId),
      ).toEqual(['u5', 'u4', 'u2', 'u1']);
      await flags.flagUser('u3', 'again');
      expect((await flags.listFlaggedUsers({ includeCleared: false, limit: 1 }))[0]).toMatchObject({
        userId: 'u3',
        flagCount: 2,
        reason: 'again',
        clearedAt: null,
      });
    });

    it('erases a user: score gone, ledger pseudonymised and the erasure ledgered, events and flags deleted', async () => {
      const { scores, audit, flags } = t.storage;
      await scores.applyUpdate(command('alice', 'a1', 100), judge);
      await scores.applyUpdate(command('alice', 'a2', 200), judge);
      await scores.applyUpdate(command('bob', 'b1', 50, 'game-server'), judge);
      await audit.insertEvent({
        kind: 'forbidden',
        subject: 'alice',
        ip: null,
        userId: 'bob',
        reason: 'r',
        at: 1,
      });
      await audit.insertEvent({
        kind: 'unauthorized',
        subject: 'unverified:alice',
        ip: null,
        userId: null,
        reason: 'r',
        at: 1,
      });
      await audit.insertEvent({
        kind: 'score_rule',
        subject: 'game-server',
        ip: null,
        userId: 'alice',
        reason: 'r',
        at: 1,
      });
      await audit.insertEvent({
        kind: 'forbidden',
        subject: 'bob',
        ip: null,
        userId: 'bob',
        reason: 'kept',
        at: 1,
      });
      await flags.flagUser('alice', 'x');
      const erasure = (await t.storage.eraseUser('alice', 'ops'))!;
      expect(erasure).toEqual({
        score: 200,
        ledgerRows: 2,
        securityEvents: 3,
        flags: 1,
        pseudonym: expect.stringMatching(/^erased:[0-9a-f-]{36}$/),
        committed: {
          version: expect.any(Number),
          changes: [{ boardId: 'global', windowKey: 'all', userId: 'alice', record: null }],
        },
      });
      expect((await globalRecords(t.storage)).map((r) => r.userId)).toEqual(['bob']);
      const ledger = await t.ledger();
      expect(ledger.map((r) => [r.user_id, r.subject, r.ip])).toEqual([
        [erasure.pseudonym, erasure.pseudonym, null],
        [erasure.pseudonym, erasure.pseudonym, null],
        ['bob', 'game-server', '10.0.0.1'],
        [erasure.pseudonym, 'ops', null],
      ]);
      expect(ledger[3]!.action_id).toMatch(/^erase:/);
      expect(await scores.latestVersion()).toBe(erasure.committed.version);
      expect(erasure.committed.changes).toEqual([
        { boardId: 'global', windowKey: 'all', userId: 'alice', record: null },
      ]);
      expect((await audit.listEvents({ limit: 10 })).map((e) => e.reason)).toEqual(['kept']);
      expect(await flags.listFlaggedUsers({ includeCleared: true, limit: 10 })).toEqual([]);
      // Alice may come back as a new player: her old action ids went with her old identity.
      expect(await scores.applyUpdate(command('alice', 'a1', 10), judge)).toMatchObject({
        kind: 'applied',
        previousScore: 0,
      });
    });

    it('erases nothing, and writes nothing, for a user of whom nothing is held', async () => {
      const { scores } = t.storage;
      await scores.applyUpdate(command('bob', 'b1', 50), judge);
      const version = await scores.latestVersion();
      expect(await t.storage.eraseUser('nobody', 'ops')).toBeNull();
      expect((await t.ledger()).map((r) => [r.action_id, r.user_id])).toEqual([['b1', 'bob']]);
      expect(await scores.latestVersion()).toBe(version);
    });

    it("keeps action ids per user: one user's id neither blocks nor answers another's", async () => {
      const { scores } = t.storage;
      // alice's token sends an id that bob will use later.
      expect(await scores.applyUpdate(command('alice', 'bob-level-1', 10), judge)).toMatchObject({
        kind: 'applied',
      });
      expect(await scores.applyUpdate(command('bob', 'bob-level-1', 20), judge)).toMatchObject({
        kind: 'applied',
        previousScore: 0,
        record: { userId: 'bob', score: 20 },
      });
      // Each user's replay and conflict are judged among their own ids.
      expect(await scores.applyUpdate(command('bob', 'bob-level-1', 20), judge)).toMatchObject({
        kind: 'replayed',
        prior: { userId: 'bob', previousScore: 0, newScore: 20 },
      });
      expect(await scores.applyUpdate(command('alice', 'bob-level-1', 10), judge)).toMatchObject({
        kind: 'replayed',
        prior: { userId: 'alice', previousScore: 0, newScore: 10 },
      });
      expect(await scores.applyUpdate(command('bob', 'bob-level-1', 30), judge)).toMatchObject({
        refusal: { kind: 'conflict' },
      });
      expect((await t.ledger()).map((r) => [r.user_id, r.action_id])).toEqual([
        ['alice', 'bob-level-1'],
        ['bob', 'bob-level-1'],
      ]);
      expect((await globalRecords(t.storage)).map((r) => [r.userId, r.score]).sort()).toEqual([
        ['alice', 10],
        ['bob', 20],
      ]);
    });
  });
}
