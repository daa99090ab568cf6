import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBoardFile } from '../../server/boards/board-file.js';
import { BoardRegistry } from '../../server/boards/board-registry.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { createPool } from '../../server/storage/postgres/pg-pool.js';
import { PgScoreWriter } from '../../server/storage/postgres/pg-score-writer.js';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { boardAdminContract } from '../contracts/board-admin.contract.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { command, queryOnce, recordStatements } from './storage-fixtures.js';

boardAdminContract('PostgreSQL', async () => {
  const fresh = await freshSchema();
  const storage = await PostgresStorage.open({ url: fresh.url });
  return {
    storage,
    query: <T>(sql: string) => queryOnce(fresh.url, sql) as Promise<T[]>,
    close: async () => {
      await storage.close();
      await fresh.drop();
    },
  };
});

describe('a season start on PostgreSQL, across instances', () => {
  let schema: TestSchema | undefined;
  let storage: PostgresStorage | undefined;
  const pools: pg.Pool[] = [];
  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.end();
    await storage?.close();
    await schema?.drop();
    [schema, storage] = [undefined, undefined];
  });

  /** One instance (this storage and its registry) with a board `ranked` in its first season. */
  async function oneInstance() {
    schema = await freshSchema();
    storage = await PostgresStorage.open({ url: schema.url });
    const file = parseBoardFile(
      'boards.json',
      JSON.stringify({
        boards: [{ id: 'ranked', windows: [{ kind: 'season', zone: 'UTC', season_starts: [0] }] }],
      }),
    );
    const registry = await BoardRegistry.open(
      storage.boards,
      { max: 1e9, maxGain: 1e9, decrease: 'never' },
      file,
    );
    const origin = { by: 'ops', ip: null, reason: null };
    const start = () =>
      registry.startSeason('ranked', (change) => storage!.admin.startSeason(change, origin), 'ops');
    return { registry, start };
  }

  /** A pool of its own (another instance's), recording which of its statements ran or failed. */
  function recordingPool(): { pool: pg.Pool; calls: string[] } {
    const pool = createPool(schema!.url, 2);
    pools.push(pool);
    return { pool, calls: recordStatements(pool) };
  }

  it("refuses another instance's batch judged in the season before (SB004), which learns the start and counts in the new one", async () => {
    const { registry, start } = await oneInstance();
    const before = registry.get('ranked')!;
    expect((await start()).ok).toBe(true);
    // Another instance, whose boards and writer have not heard of the start.
    const { pool, calls } = recordingPool();
    const writer = new PgScoreWriter(pool);
    const [outcome] = await writer.commit([
      { command: command('bob', 'b1', 40, before), judge: createJudge(before, false) },
    ]);
    // The first commit refused; the retry (in a transaction of its own) was judged with season 2.
    expect(calls.slice(0, 2)).toEqual(['read', 'commit SB004']);
    expect(outcome).toMatchObject({
      kind: 'applied',
      committed: { changes: [{ windowKey: 'all' }, { windowKey: 'season:2' }] },
    });
    // Later batches of that instance are judged with the start at once.
    calls.length = 0;
    const [next] = await writer.commit([
      { command: command('bob', 'b2', 50, before), judge: createJudge(before, false) },
    ]);
    expect(calls).toEqual(['read', 'commit']);
    expect(next).toMatchObject({ committed: { changes: [{ windowKey: 'all' }, { windowKey: 'season:2' }] } });
  });

  it('takes its instant after every batch that holds the boards, which commit in the season before', async () => {
    const { start } = await oneInstance();
    // A batch of writes on a board with seasons, between its season check and its commit.
    const pool = createPool(schema!.url, 1);
    pools.push(pool);
    const batch = await pool.connect();
    let result;
    let batchInstant = 0;
    try {
      await batch.query('BEGIN');
      await batch.query('LOCK TABLE boards IN ROW SHARE MODE');
      const { rows } = await batch.query<{ now: number }>(
        'SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now',
      );
      batchInstant = rows[0]!.now;
      const started = start();
      await until(
        async () =>
          (
            await queryOnce(
              schema!.url,
              "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'boards' AND NOT l.granted",
            )
          ).length > 0,
        'the season start to wait for the batch',
      );
      await batch.query('COMMIT');
      result = await started;
    } finally {
      batch.release();
    }
    expect(result.ok && result.value.startedAt).toBeGreaterThan(batchInstant);
  });
});
