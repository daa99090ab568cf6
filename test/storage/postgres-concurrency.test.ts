import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScoreRecord } from '../../server/domain/score-record.js';
import { migrations } from '../../server/storage/postgres/migrations/index.js';
import { MAX_BATCH, MAX_IN_FLIGHT } from '../../server/storage/postgres/pg-group-commit.js';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { command, judge, queryOnce } from './storage-fixtures.js';

let schema: TestSchema;
const opened: PostgresStorage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await schema?.drop();
});

/** Several instances' storages on one database, opened at once (migrations race). */
async function instances(count: number): Promise<PostgresStorage[]> {
  schema = await freshSchema();
  const storages = await Promise.all(
    Array.from({ length: count }, () => PostgresStorage.open({ url: schema.url })),
  );
  opened.push(...storages);
  return storages;
}

const query = <T extends pg.QueryResultRow>(text: string) => queryOnce<T>(schema.url, text);

describe('PostgreSQL shared by several instances', () => {
  it('migrates once when several instances start at once on an empty database', async () => {
    await instances(4);
    const applied = await query<{ name: string }>('select name from kysely_migration order by name');
    // Each migration once, in order (a race would fail a start or record one twice).
    expect(applied.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    expect(Object.keys(migrations)[0]).toBe('2026_11_28_0001_initial_schema');
  });

  it('loses no update and applies no decrease when two instances race on one user', async () => {
    const [a, b] = await instances(2);
    // Each instance sends rising scores; interleaved, some arrive after a higher one.
    const sends = Array.from({ length: 120 }, (_, i) => {
      const storage = i % 2 === 0 ? a! : b!;
      return storage.scores.applyUpdate(command('alice', `act-${i}`, 10 + ((i * 37) % 120)), judge);
    });
    const outcomes = await Promise.all(sends);
    const ledger = await query<{ previous_score: number; new_score: number }>(
      'select previous_score, new_score from score_ledger order by id',
    );
    expect(ledger.length).toBe(outcomes.filter((o) => o.kind === 'applied').length);
    // Each accepted update starts from the score the one before it left, and never goes down.
    let score = 0;
    for (const row of ledger) {
      expect(Number(row.previous_score)).toBe(score);
      expect(Number(row.new_score)).toBeGreaterThanOrEqual(score);
      score = Number(row.new_score);
    }
    const stored = await query<{ score: number }>(
      "select score from board_scores where user_id = 'alice' and board_id = 'global' and window_key = 'all'",
    );
    expect(Number(stored[0]!.score)).toBe(score);
    expect(
      outcomes
        .filter((o) => o.kind === 'refused')
        .every((o) => o.kind === 'refused' && o.refusal.kind === 'score_rule'),
    ).toBe(true);
  });

  it('applies an action id sent to two instances at once exactly once', async () => {
    const [a, b] = await instances(2);
    for (let round = 0; round < 20; round++) {
      const [x, y] = await Promise.all([
        a!.scores.applyUpdate(command('bob', `dup-${round}`, round + 1), judge),
        b!.scores.applyUpdate(command('bob', `dup-${round}`, round + 1), judge),
      ]);
      expect([x.kind, y.kind].sort()).toEqual(['applied', 'replayed']);
    }
    // The same action id for two different users: ids are per user, so both apply.
    const [x, y] = await Promise.all([
      a!.scores.applyUpdate(command('carol', 'shared', 5), judge),
      b!.scores.applyUpdate(command('dave', 'shared', 5), judge),
    ]);
    expect([x.kind, y.kind]).toEqual(['applied', 'applied']);
    expect(await query('select count(*)::int as n from score_ledger')).toEqual([{ n: 22 }]);
  });

  it('hands out versions in commit order, with no gaps, and the feed replays to the stored state', async () => {
    const storages = await instances(3);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        storages[i % 3]!.scores.applyUpdate(command(`u${i % 25}`, `v-${i}`, i), judge),
      ),
    );
    const latest = await storages[0]!.scores.latestVersion();
    const feed = await storages[1]!.changes.since(0, 10_000);
    expect(feed.map((c) => c.version)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
    const replayed = new Map<string, ScoreRecord>();
    for (const { changes } of feed)
      for (const { boardId, windowKey, userId, record } of changes)
        if (record) replayed.set(`${boardId} ${windowKey} ${userId}`, record);
    const stored = await query<{
      board_id: string;
      window_key: string;
      user_id: string;
      score: number;
      reached_seq: number;
    }>('select board_id, window_key, user_id, score, reached_seq from board_scores');
    expect(
      new Map(
        stored.map((r) => [
          `${r.board_id} ${r.window_key} ${r.user_id}`,
          { userId: r.user_id, score: Number(r.score), reachedSeq: Number(r.reached_seq) },
        ]),
      ),
    ).toEqual(replayed);
    expect(await storages[2]!.changes.horizon()).toBe(1);
  });

  it('closes only once every update queued or in flight has committed', async () => {
    const [storage] = await instances(1);
    // More than the batches in flight can hold, so some wait in the queue when it closes.
    const updates = Array.from({ length: 3 * MAX_BATCH * MAX_IN_FLIGHT }, (_, i) =>
      storage!.scores.applyUpdate(command(`u${i % 40}`, `c${i}`, i + 1), judge),
    );
    await storage!.close();
    const outcomes = await Promise.allSettled(updates);
    expect(outcomes.filter((o) => o.status !== 'fulfilled' || o.value.kind !== 'applied')).toEqual([]);
    expect(await query('select count(*)::int as n from score_ledger')).toEqual([{ n: updates.length }]);
  });
});
