import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boardStoreContract } from '../contracts/board-store.contract.js';
import { openSqliteBoards } from '../helpers/sqlite-boards.js';

boardStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-boards-'));
  const boards = await openSqliteBoards(join(dir, 'db.sqlite'));
  return {
    ...boards,
    close: async () => {
      await boards.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
