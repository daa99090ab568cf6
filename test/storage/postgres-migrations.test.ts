import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../server/storage/migrate.js';
import { migrations } from '../../server/storage/postgres/migrations/index.js';
import { postgresDialect } from '../../server/storage/postgres/pg-dialect.js';
import { createPool } from '../../server/storage/postgres/pg-pool.js';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { readWindows } from '../helpers/read-windows.js';
import { command, globalChange, judge, queryOnce } from './storage-fixtures.js';

let schema: TestSchema | undefined;
let storage: PostgresStorage | undefined;
afterEach(async () => {
  await storage?.close();
  await schema?.drop();
  [schema, storage] = [undefined, undefined];
});

const query = <T extends pg.QueryResultRow>(text: string) => queryOnce<T>(schema!.url, text);

const UNIQUE_CONSTRAINTS =
  "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'score_ledger'::regclass AND contype = 'u'";

/** A database migrated up to (not including) the migration whose name starts with `first`. */
async function migratedBefore(first: string): Promise<Kysely<any>> {
  schema = await freshSchema();
  const older = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < first));
  const db = new Kysely<any>({ dialect: postgresDialect(createPool(schema.url, 1)) });
  await migrateToLatest(db, older, schema.name);
  return db;
}

describe('PostgreSQL migrations', () => {
  it('makes action ids unique per user, keeping every ledger row and its id', async () => {
    // A database as the release before per-user action ids left it, written by its batch function.
    const db = await migratedBefore('2026_11_30_0004');
    await sql`SELECT * FROM sb_commit_batch(
      ARRAY['alice', 'bob'], ARRAY[NULL, NULL]::bigint[], ARRAY[NULL, NULL]::bigint[],
      ARRAY['a1', 'b1', 'a2'], ARRAY['alice', 'bob', 'alice'], ARRAY[0, 0, 10]::bigint[],
      ARRAY[10, 7, 12]::bigint[], ARRAY['alice', 'game-server', 'alice'], ARRAY['10.0.0.1', NULL, NULL],
      ARRAY['alice', 'bob'], ARRAY[12, 7]::bigint[], ARRAY['a2', 'b1'], 100)`.execute(db);
    await db.destroy();
    const ledger =
      'SELECT id, action_id, user_id, previous_score, new_score, subject, ip, created_at FROM score_ledger ORDER BY id';
    const before = await query(ledger);
    expect(before.map((r) => [r.id, r.user_id, r.action_id])).toEqual([
      ['1', 'alice', 'a1'],
      ['2', 'bob', 'b1'],
      ['3', 'alice', 'a2'],
    ]);
    const scoresBefore = await query(
      'SELECT user_id, score, reached_seq, updated_at FROM scores ORDER BY user_id',
    );

    storage = await PostgresStorage.open({ url: schema!.url });
    expect(await query(ledger)).toEqual(before);
    expect(
      await query(
        "SELECT user_id, score, reached_seq, updated_at FROM board_scores WHERE board_id = 'global' ORDER BY user_id",
      ),
    ).toEqual(scoresBefore);
    // Per user (and, since boards, per board).
    expect(await query(UNIQUE_CONSTRAINTS)).toEqual([{ def: 'UNIQUE (user_id, board_id, action_id)' }]);
    // bob may now use alice's id, in one batch with carol using it too; alice's own is still hers.
    const [bob, carol] = await Promise.all([
      storage.scores.applyUpdate(command('bob', 'a1', 9), judge),
      storage.scores.applyUpdate(command('carol', 'a1', 3), judge),
    ]);
    expect([bob, carol]).toMatchObject([
      { kind: 'applied', record: { userId: 'bob', score: 9, reachedSeq: 4 } },
      { kind: 'applied', record: { userId: 'carol', score: 3, reachedSeq: 5 } },
    ]);
    expect(await storage.scores.applyUpdate(command('alice', 'a1', 11), judge)).toMatchObject({
      refusal: { kind: 'conflict' },
    });
    expect(await storage.scores.applyUpdate(command('alice', 'a1', 10), judge)).toMatchObject({
      kind: 'replayed',
    });
    await expect(query("UPDATE score_ledger SET new_score = 99 WHERE action_id = 'b1'")).rejects.toThrow(
      'score_ledger is append-only',
    );
  });

  it('moves every score to the board global, window all, and keeps every ledger row as the board global', async () => {
    // A database as the release before boards left it, written by its batch function.
    const db = await migratedBefore('2026_12_03');
    await sql`SELECT * FROM sb_commit_batch(
      ARRAY['alice', 'bob', 'erin'], ARRAY[NULL, NULL, NULL]::bigint[], ARRAY[NULL, NULL, NULL]::bigint[],
      ARRAY['a1', 'b1', 'a2', 'e1'], ARRAY['alice', 'bob', 'alice', 'erin'], ARRAY[0, 0, 10, 0]::bigint[],
      ARRAY[10, 7, 12, 3]::bigint[], ARRAY['alice', 'game-server', 'alice', 'erin'],
      ARRAY['10.0.0.1', NULL, NULL, NULL], ARRAY['alice', 'bob', 'erin'], ARRAY[12, 7, 3]::bigint[],
      ARRAY['a2', 'b1', 'e1'], 100)`.execute(db);
    await sql`SELECT * FROM sb_commit_batch(
      ARRAY['bob'], ARRAY[7]::bigint[], ARRAY[2]::bigint[], ARRAY['b2'], ARRAY['bob'], ARRAY[7]::bigint[],
      ARRAY[40]::bigint[], ARRAY['bob'], ARRAY[NULL]::text[], ARRAY['bob'], ARRAY[40]::bigint[], ARRAY['b2'], 200)`.execute(
      db,
    );
    // erin erased as that release did it: her ledger rows under a pseudonym, her score gone.
    await sql`DELETE FROM scores WHERE user_id = 'erin'`.execute(db);
    await sql`UPDATE score_ledger SET user_id = 'erased:x', subject = 'erased:x', ip = NULL
      WHERE user_id = 'erin'`.execute(db);
    await db.destroy();
    const columns = 'id, action_id, user_id, previous_score, new_score, subject, ip, created_at';
    const ledgerBefore = await query(`SELECT ${columns} FROM score_ledger ORDER BY id`);
    const scoresBefore = await query(
      'SELECT user_id, score, reached_seq, updated_at FROM scores ORDER BY user_id',
    );
    expect(scoresBefore).toEqual([
      { user_id: 'alice', score: '12', reached_seq: '3', updated_at: '100' },
      { user_id: 'bob', score: '40', reached_seq: '5', updated_at: '200' },
    ]);

    storage = await PostgresStorage.open({ url: schema!.url });
    expect(
      await query(`SELECT board_id, window_key, user_id, score, sort_key, reached_seq, updated_at
                   FROM board_scores ORDER BY user_id`),
    ).toEqual(
      scoresBefore.map((r) => ({ board_id: 'global', window_key: 'all', ...r, sort_key: String(-r.score) })),
    );
    expect(await query(`SELECT ${columns}, board_id, value FROM score_ledger ORDER BY id`)).toEqual(
      ledgerBefore.map((r) => ({ ...r, board_id: 'global', value: r.new_score })),
    );
    // The table is gone; since 0007 the name is a read-only view of global/all.
    expect(
      await query(
        "SELECT table_type AS t FROM information_schema.tables WHERE table_name = 'scores' AND table_schema = current_schema()",
      ),
    ).toEqual([{ t: 'VIEW' }]);
    expect(await query(UNIQUE_CONSTRAINTS)).toEqual([{ def: 'UNIQUE (user_id, board_id, action_id)' }]);
    // The default only filled the old rows: a writer names its board.
    expect(
      await query(`SELECT column_name, column_default, is_nullable FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'score_ledger'
                     AND column_name IN ('board_id', 'value') ORDER BY column_name`),
    ).toEqual([
      { column_name: 'board_id', column_default: null, is_nullable: 'NO' },
      { column_name: 'value', column_default: null, is_nullable: 'NO' },
    ]);

    // What the feed recorded before boards reads as the board global's window all.
    expect((await storage.changes.since(0, 10)).map((c) => c.changes)).toEqual([
      [globalChange('alice', 12, 3), globalChange('bob', 7, 2), globalChange('erin', 3, 4)],
      [globalChange('bob', 40, 5)],
    ]);
    expect(await readWindows(storage.scores, [{ boardId: 'global', windowKey: 'all' }])).toEqual({
      version: 2,
      records: expect.arrayContaining([
        { boardId: 'global', windowKey: 'all', record: { userId: 'alice', score: 12, reachedSeq: 3 } },
        { boardId: 'global', windowKey: 'all', record: { userId: 'bob', score: 40, reachedSeq: 5 } },
      ]),
    });

    // An old action replays with what was submitted; the ledger goes on after the old ids.
    expect(await storage.scores.applyUpdate(command('alice', 'a2', 12), judge)).toEqual({
      kind: 'replayed',
      prior: { userId: 'alice', value: 12, previousScore: 10, newScore: 12 },
      current: { userId: 'alice', score: 12, reachedSeq: 3 },
    });
    expect(await storage.scores.applyUpdate(command('alice', 'a3', 20), judge)).toMatchObject({
      kind: 'applied',
      record: { userId: 'alice', score: 20, reachedSeq: 6 },
      committed: { version: 3 },
    });
    // Still append-only, the new columns too; an erasure may still pseudonymise.
    for (const change of ['value = 1', "board_id = 'other'", 'new_score = 99']) {
      await expect(query(`UPDATE score_ledger SET ${change} WHERE action_id = 'b1'`)).rejects.toThrow(
        'score_ledger is append-only',
      );
    }
    expect(await storage.eraseUser('bob', 'admin')).toMatchObject({ score: 40, ledgerRows: 2 });
  });

  it('starts while other schemas of the database come and go', async () => {
    schema = await freshSchema();
    // Another application, or another test run, creating and dropping schemas all along.
    const churn = new pg.Client({ connectionString: schema.url });
    await churn.connect();
    let churning = true;
    const other = `${schema.name}_other`;
    const churned = (async () => {
      while (churning) {
        await churn.query(`CREATE SCHEMA ${other}; CREATE TABLE ${other}.t (a int, b text, c bigint)`);
        await churn.query(`DROP SCHEMA ${other} CASCADE`);
      }
    })();
    try {
      for (let i = 0; i < 5; i++) {
        const run = await freshSchema();
        try {
          await (await PostgresStorage.open({ url: run.url })).close();
        } finally {
          await run.drop();
        }
      }
    } finally {
      churning = false;
      await churned;
      await churn.end();
    }
  });
});
