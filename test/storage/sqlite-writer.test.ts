import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJudge } from '../../server/domain/score-rules.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { openConnection } from '../../server/storage/sqlite/sqlite-connection.js';
import { SqliteWriter } from '../../server/storage/sqlite/sqlite-writer.js';
import type { JobResult } from '../../server/storage/sqlite/write-jobs.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const judge = createJudge({ max: 1000, maxGain: 1000, decrease: 'never' }, false);
const update = (userId: string, actionId: string, newScore: number) => ({
  op: 'update' as const,
  command: { userId, actionId, newScore, subject: userId, ip: null },
  judge,
});

async function freshFile(): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-writer-'));
  const file = join(dir, 'db.sqlite');
  await (await SqliteStorage.open({ file, sync: 'full' })).close(); // creates the schema
  return file;
}

describe('SqliteWriter', () => {
  it('keeps a failing job from taking the rest of its batch down', async () => {
    const sqlite = openConnection(await freshFile(), 'full');
    const writer = new SqliteWriter(sqlite);
    const broken = {
      op: 'insertEvent' as const,
      event: { kind: null as unknown as string, subject: null, ip: null, userId: null, reason: 'x', at: 1 },
    };
    const results = writer.commit([update('alice', 'a1', 10), broken, update('bob', 'b1', 20)]);
    expect(results.map((r: JobResult) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, unavailable: false });
    expect(sqlite.prepare('select user_id, score from scores order by user_id').all()).toEqual([
      { user_id: 'alice', score: 10 },
      { user_id: 'bob', score: 20 },
    ]);
    expect(sqlite.prepare('select count(*) as n from security_events').get()).toEqual({ n: 0 });
    sqlite.close();
  });

  it('marks every job unavailable when the database itself fails', async () => {
    const sqlite = openConnection(await freshFile(), 'normal');
    const writer = new SqliteWriter(sqlite);
    sqlite.close();
    const results = writer.commit([update('alice', 'a1', 10), update('bob', 'b1', 20)]);
    expect(results.map((r: JobResult) => (r.ok ? 'ok' : r.unavailable))).toEqual([true, true]);
  });
});
