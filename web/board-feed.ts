/**
 * The entries of the chosen board and window, kept current: through the live subscription
 * (`leaderboard.live`, through the SDK) where the server pushes that window, else read once
 * (`leaderboard.top`) and again at each reset (no polling). A failed read is tried again.
 */
import {
  isLiveConnectionError,
  type LeaderboardEntry,
  type ScoreboardClient,
  type WindowInfo,
} from '../client-sdk/src/index.js';
import type { Selection } from './board-nav.js';
import type { IndicatorState } from './connection-indicator.js';

const RETRY_AFTER_ERROR_MS = 5000;

/** What the page shows of a board. */
export interface BoardView {
  readonly entries: readonly LeaderboardEntry[];
  /** Changes with each view (the live version, or a count of reads). */
  readonly version: string;
  /** The window the entries are of, when the answer names it. */
  readonly window: WindowInfo | undefined;
}

export interface FeedHandlers {
  view(view: BoardView): void;
  /**
   * What the feed says of itself: `error` (it stopped; it tries again), `static` (read, not
   * live). A live feed's other states are the client's connection states.
   */
  state(state: Extract<IndicatorState, 'error' | 'static'>): void;
}

/** Whether the server pushes this window live: `global`'s whole window. */
export function isLive(selection: Selection): boolean {
  return selection.board === 'global' && selection.window === 'all';
}

/** Starts feeding the view of the selection; returns what stops it. */
export function watchBoard(
  client: ScoreboardClient,
  selection: Selection,
  limit: number,
  handlers: FeedHandlers,
): () => void {
  return isLive(selection)
    ? watchLive(client, limit, handlers)
    : readOnce(client, selection, limit, handlers);
}

function watchLive(client: ScoreboardClient, limit: number, handlers: FeedHandlers): () => void {
  let stopped = false;
  let stop = (): void => {};
  let retry: ReturnType<typeof setTimeout> | undefined;
  const start = () => {
    let failed = false;
    stop = client.watchLeaderboard(
      { limit },
      (snapshot) =>
        handlers.view({ entries: snapshot.entries, version: String(snapshot.version), window: undefined }),
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
        handlers.state('error');
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

function readOnce(
  client: ScoreboardClient,
  selection: Selection,
  limit: number,
  handlers: FeedHandlers,
): () => void {
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let reads = 0;
  const read = async () => {
    try {
      const page = await client.leaderboard.top.query({ ...selection, limit });
      if (stopped) return;
      reads += 1;
      handlers.state('static');
      handlers.view({ entries: page.entries, version: `read-${reads}`, window: page.window });
    } catch (error) {
      if (stopped) return;
      console.warn('scoreboard: could not read the board; retrying', error);
      handlers.state('error');
      retry = setTimeout(() => void read(), RETRY_AFTER_ERROR_MS);
    }
  };
  void read();
  return () => {
    stopped = true;
    clearTimeout(retry);
  };
}
