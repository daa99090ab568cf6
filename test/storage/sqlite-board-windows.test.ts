import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { boardWindowsContract } from '../contracts/board-windows.contract.js';
import { pastWindowRanksContract } from '../contracts/past-window-ranks.contract.js';

boardWindowsContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-windows-'));
  const storage = await SqliteStorage.open({ file: join(dir, 'db.sqlite'), sync: 'normal' });
  return {
    storage,
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

pastWindowRanksContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-ranks-'));
  const storage = await SqliteStorage.open({ file: join(dir, 'db.sqlite'), sync: 'normal' });
  return {
    storage,
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
