import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Board } from '../../server/domain/board.js';
import { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import { LiveLeaderboard, ROLLOVER_RETRY_MS } from '../../server/leaderboard/live-leaderboard.js';
import { SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js';
import { testBoard } from '../helpers/boards.js';

// The rollover timer of a followed live board: it fires at the window's end and publishes the
// next window; when no later window is in force there (the board stopped keeping the kind, or
// this clock is behind), it looks again once a second, never in a loop of zero-delay timers.

const DAILY: Board = testBoard({ id: 'daily', windows: [{ kind: 'day', zone: 'UTC' }] });
const boards = new Map<string, Board>([[DAILY.id, DAILY]]);
const catalog = { get: (id: string) => boards.get(id), list: () => [...boards.values()] };

const EVENING = Date.parse('2026-03-28T23:59:58Z');

let dir: string;
let storage: SqliteStorage;
let leaderboard: LeaderboardService;

beforeEach(async () => {
  boards.set(DAILY.id, DAILY);
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-rollover-timer-'));
  storage = await SqliteStorage.open({ file: join(dir, 'db.sqlite'), sync: 'normal' });
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(EVENING);
  leaderboard = new LeaderboardService(storage.scores, catalog, 10, () => Date.now());
  await leaderboard.load();
});
afterEach(async () => {
  vi.useRealTimers();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function follow(): { live: LiveLeaderboard; windows: string[]; looks: () => number; stop: () => void } {
  const live = new LiveLeaderboard(leaderboard, 40, 'daily', 'day');
  const windows: string[] = [];
  live.onPublish((snapshot) => windows.push(snapshot.window.key));
  const current = vi.spyOn(leaderboard, 'current');
  const holder = new AbortController();
  live.hold(holder.signal);
  return { live, windows, looks: () => current.mock.calls.length, stop: () => holder.abort() };
}

it('publishes the next day at midnight while followed', () => {
  const { windows, stop } = follow();
  vi.advanceTimersByTime(2_000);
  expect(windows).toEqual(['day:2026-03-29']);
  stop();
});

it('looks again once a second, not in a loop, when the board no longer keeps the kind', () => {
  const { windows, looks, stop } = follow();
  boards.set(DAILY.id, testBoard({ id: 'daily' }));
  const before = looks();
  vi.advanceTimersByTime(2_000 + 10 * ROLLOVER_RETRY_MS);
  expect(windows).toEqual([]);
  // One look at midnight, then one per second: 11, give or take the last.
  expect(looks() - before).toBeGreaterThanOrEqual(10);
  expect(looks() - before).toBeLessThanOrEqual(12);
  stop();
  const stopped = looks();
  vi.advanceTimersByTime(10 * ROLLOVER_RETRY_MS);
  expect(looks()).toBe(stopped);
});
