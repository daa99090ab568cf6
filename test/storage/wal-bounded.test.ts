import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WRITER_CHECKPOINT_PAGES } from '../../server/storage/sqlite/checkpointer.js';
import { createJudge } from '../../server/domain/score-rules.js';
import { globalUnder } from '../helpers/boards.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const board = globalUnder({ max: 1_000_000_000, maxGain: 1_000_000_000, decrease: 'never' });
const judge = createJudge(board, false);

describe('the write-ahead log', () => {
  it('stays bounded under a steady stream of commits (checkpoints let it restart)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-wal-'));
    const file = join(dir, 'db.sqlite');
    const storage = await SqliteStorage.open({ file, sync: 'normal' });
    try {
      // One commit per update, so the WAL sees far more pages than the inline threshold.
      for (let i = 0; i < 6000; i++) {
        const outcome = await storage.scores.applyUpdate(
          { board, userId: `u${i % 500}`, actionId: `a${i}`, newScore: i, subject: 's', ip: null },
          judge,
        );
        expect(outcome.kind).toBe('applied');
      }
      const pageSize = 4096;
      expect(statSync(`${file}-wal`).size).toBeLessThan(2 * WRITER_CHECKPOINT_PAGES * pageSize);
    } finally {
      await storage.close();
    }
  });

  it('is copied into the database file by the checkpoint thread, not by the writer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-wal-'));
    const file = join(dir, 'db.sqlite');
    const storage = await SqliteStorage.open({ file, sync: 'normal' });
    try {
      const before = statSync(file).size;
      // New users fill new pages, far fewer than the writer's inline threshold: only the thread
      // can move them into the database file.
      for (let i = 0; i < 300; i++) {
        await storage.scores.applyUpdate(
          {
            board,
            userId: `user-${i}-${'x'.repeat(200)}`,
            actionId: `b${i}`,
            newScore: i,
            subject: 's',
            ip: null,
          },
          judge,
        );
      }
      expect(statSync(`${file}-wal`).size).toBeLessThan(WRITER_CHECKPOINT_PAGES * 4096);
      await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 50 * 4096), {
        timeout: 10_000,
        interval: 20,
      });
    } finally {
      await storage.close();
    }
  });
});
