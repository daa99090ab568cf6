import { describe, expect, it } from 'vitest';
import type { CommittedChanges } from '../../server/domain/score-record.js';
import { BoardFollower } from '../../server/leaderboard/board-follower.js';
import type { LeaderboardService } from '../../server/leaderboard/leaderboard.service.js';
import type { LiveBus } from '../../server/live/bus/live-bus.js';
import { createLogger } from '../../server/observability/logger.js';

describe('BoardFollower', () => {
  it('tells the other instances about a commit once, however many requests it answered', async () => {
    const published: number[] = [];
    const bus: LiveBus = {
      publish: (committed) => void published.push(committed.version),
      subscribe: async () => {},
      close: async () => {},
    };
    const board = { apply: async () => {} };
    const follower = new BoardFollower(
      board as unknown as LeaderboardService,
      bus,
      undefined,
      createLogger('silent'),
    );
    const batch: CommittedChanges = { version: 7, changes: [] };
    const next: CommittedChanges = { version: 8, changes: [] };
    // Three requests answered by one batch, then one by the next.
    await Promise.all([follower.committed(batch), follower.committed(batch), follower.committed(batch)]);
    await follower.committed(next);
    expect(published).toEqual([7, 8]);
  });
});
