/**
 * The entries of the chosen board and window, kept current by the live subscription
 * (`leaderboard.live` through the SDK's watchLeaderboard): a snapshot now, one at each change
 * of the top N, and the next window's at each reset (the server rolls windows over by itself).
 * The SDK resumes a dropped connection by itself; a subscription that ended on an error is
 * started again after a while.
 */
import {
  isLiveConnectionError,
  type LeaderboardSnapshot,
  type ScoreboardClient,
} from '../client-sdk/src/index.js';
import type { Selection } from './board-nav.js';

const RETRY_AFTER_ERROR_MS = 5000;

export interface FeedHandlers {
  snapshot(snapshot: LeaderboardSnapshot): void;
  /** The subscription ended on an error; it is started again after a while. */
  failed(): void;
}

/** Follows the top `limit` of the selection; returns what stops it. */
export function watchBoard(
  client: ScoreboardClient,
  selection: Selection,
  limit: number,
  handlers: FeedHandlers,
): () => void {
  let stopped = false;
  let stop = (): void => {};
  let retry: ReturnType<typeof setTimeout> | undefined;
  const start = () => {
    let failed = false;
    stop = client.watchLeaderboard(
      { limit, board: selection.board, window: selection.window },
      (snapshot) => handlers.snapshot(snapshot),
      (error) => {
        // The SDK retries a failing connection by itself, with backoff, and the indicator
        // already says "Reconnecting…": log it, once per outage, and keep the subscription.
        if (isLiveConnectionError(error)) {
          console.warn('scoreboard: live connection failing; retrying:', error.message);
          return;
        }
        if (failed || stopped) return;
        failed = true;
        console.warn('scoreboard: live updates stopped; retrying', error);
        handlers.failed();
        retry = setTimeout(() => {
          stop();
          if (!stopped) start();
        }, RETRY_AFTER_ERROR_MS);
      },
    );
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(retry);
    stop();
  };
}
