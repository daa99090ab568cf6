import type BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJudge } from '../../server/domain/score-rules.js';
import { globalUnder } from '../helpers/boards.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { openConnection } from '../../server/storage/sqlite/sqlite-connection.js';
import { SqliteWriter } from '../../server/storage/sqlite/sqlite-writer.js';
import type { JobResult } from '../../server/storage/sqlite/write-jobs.js';

let dir: string | undefined;
let sqlite: BetterSqlite3.Database | undefined;
afterEach(() => {
  if (sqlite?.open) sqlite.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  [dir, sqlite] = [undefined, undefined];
});

const board = globalUnder({ max: 1000, maxGain: 1000, decrease: 'never' });
const judge = createJudge(board, false);
const update = (userId: string, actionId: string, newScore: number) => ({
  op: 'update' as const,
  command: { board, userId, actionId, newScore, subject: userId, ip: null },
  judge,
});

/** A connection to a fresh database with the schema, closed after the test. */
async function freshConnection(sync: 'full' | 'normal'): Promise<BetterSqlite3.Database> {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-writer-'));
  const file = join(dir, 'db.sqlite');
  await (await SqliteStorage.open({ file, sync: 'full' })).close(); // creates the schema
  sqlite = openConnection(file, sync);
  return sqlite;
}

describe('SqliteWriter', () => {
  it('keeps a failing job from taking the rest of its batch down', async () => {
    const sqlite = await freshConnection('full');
    const writer = new SqliteWriter(sqlite);
    const broken = {
      op: 'insertEvent' as const,
      event: { kind: null as unknown as string, subject: null, ip: null, userId: null, reason: 'x', at: 1 },
    };
    const results = writer.commit([update('alice', 'a1', 10), broken, update('bob', 'b1', 20)]);
    // The batch's transaction was rolled back whole, so each update, run again on its own, is
    // applied once (not judged a replay of its own rolled-back first run) with its board change.
    const ledger = sqlite.prepare('select id, action_id from score_ledger order by id').all() as Array<{
      id: number;
      action_id: string;
    }>;
    expect(ledger.map((row) => row.action_id)).toEqual(['a1', 'b1']);
    const applied = (userId: string, score: number, version: number): JobResult => {
      const record = { userId, score, reachedSeq: version };
      return {
        ok: true,
        value: {
          kind: 'applied',
          previousScore: 0,
          record,
          changed: true,
          committed: { version, changes: [{ boardId: 'global', windowKey: 'all', userId, record }] },
        },
      };
    };
    expect(results).toEqual([
      applied('alice', 10, ledger[0]!.id),
      { ok: false, error: expect.stringContaining('NOT NULL'), unavailable: false },
      applied('bob', 20, ledger[1]!.id),
    ]);
    expect(
      sqlite.prepare('select board_id, window_key, user_id, score from board_scores order by user_id').all(),
    ).toEqual([
      { board_id: 'global', window_key: 'all', user_id: 'alice', score: 10 },
      { board_id: 'global', window_key: 'all', user_id: 'bob', score: 20 },
    ]);
    expect(sqlite.prepare('select count(*) as n from security_events').get()).toEqual({ n: 0 });
  });

  it('marks every job unavailable when the database itself fails', async () => {
    const sqlite = await freshConnection('normal');
    const writer = new SqliteWriter(sqlite);
    sqlite.close();
    const results = writer.commit([update('alice', 'a1', 10), update('bob', 'b1', 20)]);
    expect(results.map((r: JobResult) => (r.ok ? 'ok' : r.unavailable))).toEqual([true, true]);
  });
});
