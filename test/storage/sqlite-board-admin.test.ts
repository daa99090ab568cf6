import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { boardAdminContract } from '../contracts/board-admin.contract.js';

boardAdminContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-admin-'));
  const file = join(dir, 'db.sqlite');
  const storage = await SqliteStorage.open({ file, sync: 'normal' });
  const reader = new BetterSqlite3(file, { readonly: true });
  return {
    storage,
    query: async <T>(sql: string) => reader.prepare(sql).all() as T[],
    close: async () => {
      reader.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
