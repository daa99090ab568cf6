import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { ScoreWriter } from '../../server/storage/sqlite/score-writer.js';
import { openConnection } from '../../server/storage/sqlite/sqlite-connection.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rules = { max: 1000, maxGain: 1000, decrease: 'never' as const };
const update = (userId: string, actionId: string, newScore: number) => ({
  op: 'update' as const,
  command: { userId, actionId, newScore, subject: userId, ip: null },
  canDecrease: false,
});

describe('ScoreWriter', () => {
  it('keeps a failing job from taking the rest of its batch down', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-writer-'));
    const file = join(dir, 'db.sqlite');
    const storage = await SqliteStorage.open({ file, sync: 'full', rules }); // creates the schema
    await storage.close();
    const sqlite = openConnection(file, 'full');
    const writer = new ScoreWriter(sqlite, rules);
    const broken = {
      op: 'event' as const,
      event: { kind: null as unknown as string, subject: null, ip: null, userId: null, reason: 'x' },
    };
    const results = writer.commit([update('alice', 'a1', 10), broken, update('bob', 'b1', 20)]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, unavailable: false });
    expect(sqlite.prepare('select user_id, score from scores order by user_id').all()).toEqual([
      { user_id: 'alice', score: 10 },
      { user_id: 'bob', score: 20 },
    ]);
    expect(sqlite.prepare('select count(*) as n from security_events').get()).toEqual({ n: 0 });
    sqlite.close();
  });

  it('marks every job unavailable when the database itself fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-writer-'));
    const file = join(dir, 'db.sqlite');
    await (await SqliteStorage.open({ file, sync: 'normal', rules })).close();
    const sqlite = openConnection(file, 'normal');
    const writer = new ScoreWriter(sqlite, rules);
    sqlite.close();
    const results = writer.commit([update('alice', 'a1', 10), update('bob', 'b1', 20)]);
    expect(results.map((r) => (r.ok ? 'ok' : r.unavailable))).toEqual([true, true]);
  });
});
