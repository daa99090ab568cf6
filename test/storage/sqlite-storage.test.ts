import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../../server/storage/migrate.js';
import { migrations } from '../../server/storage/sqlite/migrations/index.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { storageContract } from '../contracts/storage.contract.js';
import { command, judge } from './storage-fixtures.js';
import { until } from '../helpers/until.js';
import { readWindows } from '../helpers/read-windows.js';

storageContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-contract-'));
  const file = join(dir, 'db.sqlite');
  const storage = await SqliteStorage.open({ file, sync: 'normal' });
  const reader = new BetterSqlite3(file);
  return {
    storage,
    ledger: async () =>
      reader.prepare('select action_id, user_id, subject, ip from score_ledger order by id').all() as never,
    tamperWithLedger: async (actionId) => {
      try {
        reader.prepare('update score_ledger set new_score = new_score + 1 where action_id = ?').run(actionId);
        return undefined;
      } catch (error) {
        return error;
      }
    },
    close: async () => {
      reader.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite storage settings', () => {
  it.each(['full', 'normal'] as const)(
    'applies DB_SYNCHRONOUS=%s to the writing connection',
    async (sync) => {
      const dir = mkdtempSync(join(tmpdir(), 'scoreboard-sync-'));
      const storage = await SqliteStorage.open({ file: join(dir, 'db.sqlite'), sync });
      try {
        const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(storage.db);
        expect(rows[0]!.synchronous).toBe(sync === 'full' ? 2 : 1);
      } finally {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('closes even when its checkpoint thread has already exited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-ckpt-'));
    const file = join(dir, 'db.sqlite');
    const errors: string[] = [];
    const storage = await SqliteStorage.open({ file, sync: 'normal', onError: (e) => errors.push(e) });
    try {
      const event = { kind: 'forbidden', subject: 's', ip: null, userId: null, reason: 'r', at: 1 };
      await storage.audit.insertEvent(event);
      const worker = (
        storage as unknown as { checkpointer: { worker: import('node:worker_threads').Worker } }
      ).checkpointer.worker;
      await worker.terminate();
      await until(() => errors.length > 0, 'the thread to be seen gone');
      expect(errors).toEqual(['checkpointer exited; automatic checkpoints are back on the writer']);

      // Waiting for a second 'exit' would never resolve; a deadline makes that a clear failure.
      const outcome = await Promise.race([
        storage.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(resolve, 10_000, 'still closing after 10 s')),
      ]);
      expect(outcome).toBe('closed');
      await expect(storage.ping()).rejects.toThrow();
      // Closed for real: the last connection's checkpoint emptied the WAL into the file.
      expect(existsSync(`${file}-wal`)).toBe(false);
      const reader = new BetterSqlite3(file, { readonly: true });
      expect(reader.prepare('select kind, subject from security_events').all()).toEqual([
        { kind: 'forbidden', subject: 's' },
      ]);
      reader.close();
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves the scores of an older database into a table keyed by user_id alone (WITHOUT ROWID)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-migrate-'));
    const file = join(dir, 'db.sqlite');
    try {
      // A database as the previous release left it, with scores in it.
      const older = Object.fromEntries(
        Object.entries(migrations).filter(([name]) => name < '2026_11_28_0006'),
      );
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
      await migrateToLatest(db, older);
      await sql`insert into scores (user_id, score, reached_seq, updated_at)
        values ('bob', 7, 2, 1), ('alice', 9, 1, 1)`.execute(db);
      await db.destroy();

      const storage = await SqliteStorage.open({ file, sync: 'normal' });
      const board = await readWindows(storage.scores, [{ boardId: 'global', windowKey: 'all' }]);
      await storage.close();
      const records = board.records.map((r) => r.record);
      expect(records.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
        { userId: 'alice', score: 9, reachedSeq: 1 },
        { userId: 'bob', score: 7, reachedSeq: 2 },
      ]);
      const reader = new BetterSqlite3(file, { readonly: true });
      // Since 0008 the rows live in board_scores (board global, window all), still without rowid.
      const table = reader.prepare("select sql from sqlite_master where name = 'board_scores'").get() as {
        sql: string;
      };
      const leftovers = reader.prepare("select name from sqlite_master where name like 'scores_%'").all();
      reader.close();
      expect(table.sql).toMatch(/WITHOUT ROWID$/);
      expect(leftovers).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes action ids unique per user, keeping every ledger row, its id and the id counter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-migrate-'));
    const file = join(dir, 'db.sqlite');
    try {
      // A database as the release before per-user action ids left it.
      const older = Object.fromEntries(
        Object.entries(migrations).filter(([name]) => name < '2026_11_30_0007'),
      );
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
      await migrateToLatest(db, older);
      await sql`insert into score_ledger (action_id, user_id, previous_score, new_score, subject, ip, created_at)
        values ('a1', 'alice', 0, 10, 'alice', '10.0.0.1', 100), ('b1', 'bob', 0, 7, 'game-server', null, 101),
               ('a2', 'alice', 10, 12, 'alice', '10.0.0.2', 102)`.execute(db);
      await sql`insert into scores (user_id, score, reached_seq, updated_at)
        values ('alice', 12, 3, 102), ('bob', 7, 2, 101)`.execute(db);
      // Ids are board versions: the next one must come after every id ever handed out.
      await sql`update sqlite_sequence set seq = 41 where name = 'score_ledger'`.execute(db);
      const before = (await sql`select * from score_ledger order by id`.execute(db)).rows;
      await db.destroy();

      const storage = await SqliteStorage.open({ file, sync: 'normal' });
      const reader = new BetterSqlite3(file, { readonly: true });
      try {
        // Since 0008 each row also names its board and the value submitted (a total: new_score);
        // since 0009 an admin's reason (none for a submission).
        expect(reader.prepare('select * from score_ledger order by id').all()).toEqual(
          before.map((row) => ({
            ...(row as { new_score: number }),
            board_id: 'global',
            value: (row as { new_score: number }).new_score,
            reason: null,
          })),
        );
        // bob may now use alice's id; alice's own is still hers.
        expect(await storage.scores.applyUpdate(command('bob', 'a1', 9), judge)).toMatchObject({
          kind: 'applied',
          record: { userId: 'bob', score: 9, reachedSeq: 42 },
        });
        expect(await storage.scores.applyUpdate(command('alice', 'a1', 11), judge)).toMatchObject({
          refusal: { kind: 'conflict' },
        });
      } finally {
        reader.close();
        await storage.close();
      }
      const writer = new BetterSqlite3(file);
      try {
        expect(() =>
          writer.prepare("update score_ledger set new_score = 99 where action_id = 'b1'").run(),
        ).toThrow('score_ledger is append-only');
        expect(() => writer.prepare("delete from score_ledger where action_id = 'b1'").run()).toThrow(
          'score_ledger is append-only',
        );
        expect(
          writer
            .prepare("select name from sqlite_master where name like 'score_ledger_%' and type = 'table'")
            .all(),
        ).toEqual([]);
      } finally {
        writer.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
