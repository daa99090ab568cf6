import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../server/storage/migrate.js';
import { migrations } from '../../server/storage/postgres/migrations/index.js';
import { postgresDialect } from '../../server/storage/postgres/pg-dialect.js';
import { createPool } from '../../server/storage/postgres/pg-pool.js';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { command, judge, queryOnce } from './storage-fixtures.js';

let schema: TestSchema | undefined;
let storage: PostgresStorage | undefined;
afterEach(async () => {
  await storage?.close();
  await schema?.drop();
  [schema, storage] = [undefined, undefined];
});

const query = <T extends pg.QueryResultRow>(text: string) => queryOnce<T>(schema!.url, text);

describe('PostgreSQL migrations', () => {
  it('makes action ids unique per user, keeping every ledger row and its id', async () => {
    schema = await freshSchema();
    // A database as the release before per-user action ids left it, written by its batch function.
    const older = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '2026_11_30_0004'));
    const db = new Kysely<any>({ dialect: postgresDialect(createPool(schema.url, 1)) });
    await migrateToLatest(db, older, schema.name);
    await sql`SELECT * FROM sb_commit_batch(
      ARRAY['alice', 'bob'], ARRAY[NULL, NULL]::bigint[], ARRAY[NULL, NULL]::bigint[],
      ARRAY['a1', 'b1', 'a2'], ARRAY['alice', 'bob', 'alice'], ARRAY[0, 0, 10]::bigint[],
      ARRAY[10, 7, 12]::bigint[], ARRAY['alice', 'game-server', 'alice'], ARRAY['10.0.0.1', NULL, NULL],
      ARRAY['alice', 'bob'], ARRAY[12, 7]::bigint[], ARRAY['a2', 'b1'], 100)`.execute(db);
    await db.destroy();
    const ledger = 'SELECT * FROM score_ledger ORDER BY id';
    const before = await query(ledger);
    expect(before.map((r) => [r.id, r.user_id, r.action_id])).toEqual([
      ['1', 'alice', 'a1'],
      ['2', 'bob', 'b1'],
      ['3', 'alice', 'a2'],
    ]);
    const scoresBefore = await query('SELECT * FROM scores ORDER BY user_id');

    storage = await PostgresStorage.open({ url: schema.url });
    expect(await query(ledger)).toEqual(before);
    expect(await query('SELECT * FROM scores ORDER BY user_id')).toEqual(scoresBefore);
    expect(
      await query(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'score_ledger'::regclass AND contype = 'u'",
      ),
    ).toEqual([{ conname: 'score_ledger_user_action_key' }]);
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
