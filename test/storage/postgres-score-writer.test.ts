import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../server/storage/postgres/pg-pool.js';
import { PgScoreWriter, type UpdateJob } from '../../server/storage/postgres/pg-score-writer.js';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { READ_STATE } from '../../server/storage/postgres/pg-statements.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { command, globalChange, judge, queryOnce } from './storage-fixtures.js';

const job = (userId: string, actionId: string, newScore: number): UpdateJob => ({
  command: command(userId, actionId, newScore),
  judge,
});

let schema: TestSchema;
const pools: pg.Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await schema?.drop();
});

/**
 * A writer whose first read of the batch's state is followed, before the writer sees it, by
 * `race` (another writer's commit): the batch is then judged on a state that is already gone,
 * exactly the window two instances race in.
 */
async function racedWriter(race: (other: PgScoreWriter) => Promise<unknown>): Promise<PgScoreWriter> {
  schema = await freshSchema();
  await (await PostgresStorage.open({ url: schema.url })).close();
  const pool = createPool(schema.url);
  const otherPool = createPool(schema.url);
  pools.push(pool, otherPool);
  const other = new PgScoreWriter(otherPool);
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  let raced = false;
  (pool as { query: unknown }).query = async (config: pg.QueryConfig) => {
    const result = await query(config);
    if (config.text === READ_STATE.text && !raced) {
      raced = true;
      await race(other);
    }
    return result;
  };
  return new PgScoreWriter(pool);
}

const rows = (text: string) => queryOnce(schema.url, text);

/** The board `global`'s window `all`, where these updates go. */
const SCORES = "board_scores WHERE board_id = 'global' AND window_key = 'all'";

describe('PostgreSQL score writer, racing another instance', () => {
  it('judges a batch again when a user changed after it was read, from the new score', async () => {
    const writer = await racedWriter((other) => other.commit([job('alice', 'other-1', 50)]));
    // Read: alice has no score, so 40 looks like a rise; she is at 50 when it is written.
    const [outcome, next] = await writer.commit([job('alice', 'mine-1', 40), job('bob', 'mine-2', 7)]);
    expect(outcome).toMatchObject({ kind: 'refused', refusal: { kind: 'score_rule' } });
    expect(next).toMatchObject({ kind: 'applied', previousScore: 0, record: { userId: 'bob', score: 7 } });
    expect(
      await rows(
        'SELECT action_id, user_id, previous_score::int, new_score::int FROM score_ledger ORDER BY id',
      ),
    ).toEqual([
      { action_id: 'other-1', user_id: 'alice', previous_score: 0, new_score: 50 },
      { action_id: 'mine-2', user_id: 'bob', previous_score: 0, new_score: 7 },
    ]);
    expect(await rows(`SELECT user_id, score::int FROM ${SCORES} ORDER BY user_id`)).toEqual([
      { user_id: 'alice', score: 50 },
      { user_id: 'bob', score: 7 },
    ]);
    // One board version per commit, with what each changed.
    expect(await rows('SELECT version::int, changes FROM board_changes ORDER BY version')).toEqual([
      { version: 1, changes: [globalChange('alice', 50, 1)] },
      { version: 2, changes: [globalChange('bob', 7, 2)] },
    ]);
  });

  it('answers a replay when another instance took the action id after the batch read it', async () => {
    const writer = await racedWriter((other) => other.commit([job('carol', 'same', 9)]));
    const [outcome] = await writer.commit([job('carol', 'same', 9)]);
    expect(outcome).toMatchObject({
      kind: 'replayed',
      prior: { userId: 'carol', value: 9, previousScore: 0, newScore: 9 },
      current: { userId: 'carol', score: 9 },
    });
    expect(await rows('SELECT action_id, new_score::int FROM score_ledger')).toEqual([
      { action_id: 'same', new_score: 9 },
    ]);
    expect(await rows('SELECT version::int FROM board_version')).toEqual([{ version: 1 }]);
  });

  it('applies an action id another instance took for another user meanwhile (ids are per user)', async () => {
    const writer = await racedWriter((other) => other.commit([job('zed', 'taken', 4)]));
    const [outcome] = await writer.commit([job('carol', 'taken', 9)]);
    expect(outcome).toMatchObject({
      kind: 'applied',
      previousScore: 0,
      record: { userId: 'carol', score: 9 },
    });
    expect(await rows('SELECT action_id, user_id FROM score_ledger ORDER BY id')).toEqual([
      { action_id: 'taken', user_id: 'zed' },
      { action_id: 'taken', user_id: 'carol' },
    ]);
    expect(await rows(`SELECT user_id FROM ${SCORES} ORDER BY user_id`)).toEqual([
      { user_id: 'carol' },
      { user_id: 'zed' },
    ]);
    expect(await rows('SELECT version::int FROM board_version')).toEqual([{ version: 2 }]);
  });

  it("refuses as a conflict the user's own action id, taken meanwhile with another score", async () => {
    const writer = await racedWriter((other) => other.commit([job('carol', 'again', 5)]));
    const setup = createPool(schema.url);
    pools.push(setup);
    await new PgScoreWriter(setup).commit([job('carol', 'first', 5)]);
    // The race reports carol's score again: her record stays as read, only her action id is taken.
    const [outcome] = await writer.commit([job('carol', 'again', 6)]);
    expect(outcome).toMatchObject({ kind: 'refused', refusal: { kind: 'conflict' } });
    expect(await rows('SELECT action_id, user_id, new_score::int FROM score_ledger ORDER BY id')).toEqual([
      { action_id: 'first', user_id: 'carol', new_score: 5 },
      { action_id: 'again', user_id: 'carol', new_score: 5 },
    ]);
    expect(await rows(`SELECT user_id, score::int FROM ${SCORES}`)).toEqual([{ user_id: 'carol', score: 5 }]);
  });

  it('applies one action id for several users in one batch, each with its own ledger row', async () => {
    const writer = await racedWriter(async () => {});
    const outcomes = await writer.commit([job('amy', 'level-1', 3), job('ben', 'level-1', 4)]);
    expect(outcomes.map((o) => (o.kind === 'applied' ? o.record : o))).toEqual([
      { userId: 'amy', score: 3, reachedSeq: 1 },
      { userId: 'ben', score: 4, reachedSeq: 2 },
    ]);
    expect(
      await rows(`SELECT user_id, score::int, reached_seq::int FROM ${SCORES} ORDER BY user_id`),
    ).toEqual([
      { user_id: 'amy', score: 3, reached_seq: 1 },
      { user_id: 'ben', score: 4, reached_seq: 2 },
    ]);
  });

  it('returns the committed changes it recorded in the feed, for several users and repeats', async () => {
    const writer = await racedWriter(async () => {});
    const outcomes = await writer.commit([
      job('dan', 'd1', 5),
      job('erin', 'e1', 3),
      job('dan', 'd2', 8),
      job('dan', 'd3', 8), // the same score again: dan keeps the moment he reached 8
    ]);
    const committed = outcomes.map((o) => (o.kind === 'applied' ? o.committed : null));
    expect(new Set(committed).size).toBe(1);
    expect(committed[0]).toEqual({
      version: 1,
      changes: [globalChange('dan', 8, 3), globalChange('erin', 3, 2)],
    });
    expect(await rows('SELECT version::int, changes FROM board_changes')).toEqual([committed[0]]);
    expect(
      await rows(`SELECT user_id, score::int, reached_seq::int FROM ${SCORES} ORDER BY user_id`),
    ).toEqual([
      { user_id: 'dan', score: 8, reached_seq: 3 },
      { user_id: 'erin', score: 3, reached_seq: 2 },
    ]);
  });

  it('retries inside a transaction that locks its users before reading, so it cannot lose twice', async () => {
    schema = await freshSchema();
    await (await PostgresStorage.open({ url: schema.url })).close();
    const racerName = `racer_${randomBytes(4).toString('hex')}`;
    const pool = createPool(schema.url);
    const racerPool = createPool(`${schema.url}&application_name=${racerName}`);
    const watcher = createPool(schema.url, 1);
    pools.push(pool, racerPool, watcher);
    const racer = new PgScoreWriter(racerPool);
    const races: Array<Promise<unknown>> = [];
    /** The racer waits for a lock (the writer's, the only one held on alice). */
    const racerBlocked = async () =>
      (
        await watcher.query(
          `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
           WHERE a.application_name = $1 AND NOT l.granted`,
          [racerName],
        )
      ).rowCount! > 0;
    // After every read of the batch's state, another instance commits alice, unless a lock
    // of the writer's holds it off: then the writer goes on while the racer waits.
    const raceAfterRead = async (text: string | undefined) => {
      if (text !== READ_STATE.text) return;
      let settled = false;
      const race = racer.commit([job('alice', `racer-${races.length + 1}`, (races.length + 1) * 10)]);
      races.push(race.finally(() => (settled = true)));
      while (!settled && !(await racerBlocked())) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const poolQuery = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
    (pool as { query: unknown }).query = async (config: pg.QueryConfig) => {
      const result = await poolQuery(config);
      await raceAfterRead(config.text);
      return result;
    };
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<pg.PoolClient>;
    (pool as { connect: unknown }).connect = async (...args: unknown[]) => {
      if (args.length > 0) return connect(...args); // pool.query's own checkout, with a callback
      const client = await connect();
      const clientQuery = client.query.bind(client) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
      (client as { query: unknown }).query = async (config: pg.QueryConfig | string) => {
        const result = await clientQuery(config as pg.QueryConfig);
        if (typeof config !== 'string') await raceAfterRead(config.text);
        return result;
      };
      return client;
    };

    const [outcome] = await new PgScoreWriter(pool).commit([job('alice', 'mine', 500)]);
    await Promise.all(races);
    // The first, unlocked read lost to the racer; the locked retry held the next racer off.
    expect(outcome).toMatchObject({ kind: 'applied', previousScore: 10, record: { score: 500 } });
    expect(
      await rows('SELECT action_id, previous_score::int, new_score::int FROM score_ledger ORDER BY id'),
    ).toEqual([
      { action_id: 'racer-1', previous_score: 0, new_score: 10 },
      { action_id: 'mine', previous_score: 10, new_score: 500 },
    ]);
  });
});
