import { createTRPCClient, createWSClient, httpLink, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../../server/trpc/routers/_app.js';
import type {
  Leaderboard,
  LeaderboardEntry,
  UpdateScoreInput,
  UpdateScoreResult,
} from '../../shared/schemas.js';

export type { AppRouter, Leaderboard, LeaderboardEntry, UpdateScoreInput, UpdateScoreResult };

/** A snapshot pushed by `leaderboard.live`: the top N at `version`. */
export interface LeaderboardSnapshot {
  version: number;
  entries: LeaderboardEntry[];
}

/** The state of the live connection, for an indicator. */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';

/** Anything shaped like the browser's WebSocket class (for example `ws` in Node.js 20). */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => any;

/** Options of {@link createScoreboardClient}. */
export interface ScoreboardClientOptions {
  /** Base URL of the server, e.g. `https://scores.example.com` (no `/trpc`). */
  url: string;
  /** Returns the current JWT, or undefined for public calls; asked before each request and each reconnect. */
  getToken?: () => string | undefined | null | Promise<string | undefined | null>;
  /** A WebSocket class, for runtimes without a global one (Node.js 20: `import WebSocket from 'ws'`). */
  WebSocket?: WebSocketLike;
  /** Called whenever the live connection changes state. */
  onConnectionStateChange?: (state: ConnectionState) => void;
}

/** The typed client: every procedure of the server, plus conveniences. */
export type ScoreboardClient = TRPCClient<AppRouter> & {
  /** Calls `onChange` with each new top-`limit` snapshot; returns the unsubscribe function. */
  watchLeaderboard(
    options: { limit?: number },
    onChange: (snapshot: LeaderboardSnapshot) => void,
    onError?: (error: unknown) => void,
  ): () => void;
  /** Closes the live connection. */
  close(): Promise<void>;
};

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Exponential backoff with jitter, capped at 10 s. */
function retryDelayMs(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}

/**
 * Creates a client for a Scoreboard server. Subscriptions travel over one WebSocket (opened
 * lazily, reconnecting with backoff, the token sent as connection params and refreshed on
 * every reconnect); queries and mutations over HTTP with `Authorization: Bearer <token>`.
 */
export function createScoreboardClient(options: ScoreboardClientOptions): ScoreboardClient {
  const base = trimSlash(options.url);
  const token = async () => (options.getToken ? ((await options.getToken()) ?? undefined) : undefined);
  const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
  if (!WebSocketImpl) {
    throw new Error(
      'No WebSocket available: pass one, e.g. createScoreboardClient({ url, WebSocket }) with ws',
    );
  }

  let everOpened = false;
  const wsClient = createWSClient({
    url: `${base.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocketImpl as unknown as typeof WebSocket,
    lazy: { enabled: true, closeMs: 0 },
    keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
    retryDelayMs,
    connectionParams: async () => {
      const value = await token();
      return value ? { token: value } : {};
    },
    onOpen: () => {
      everOpened = true;
      options.onConnectionStateChange?.('live');
    },
    onClose: () => options.onConnectionStateChange?.(everOpened ? 'reconnecting' : 'connecting'),
  });

  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpLink({
          url: `${base}/trpc`,
          headers: async (): Promise<Record<string, string>> => {
            const value = await token();
            return value ? { authorization: `Bearer ${value}` } : {};
          },
        }),
      }),
    ],
  });

  const watchLeaderboard: ScoreboardClient['watchLeaderboard'] = ({ limit }, onChange, onError) => {
    options.onConnectionStateChange?.(everOpened ? 'reconnecting' : 'connecting');
    const subscription = client.leaderboard.live.subscribe(limit === undefined ? {} : { limit }, {
      onData: (event) => onChange(event.data as LeaderboardSnapshot),
      onError: (error) => onError?.(error),
    });
    return () => subscription.unsubscribe();
  };

  const extras = { watchLeaderboard, close: () => wsClient.close() };
  // The tRPC client is a proxy that answers every property with a procedure path, so the
  // extras are laid over it by another proxy rather than assigned onto it.
  return new Proxy(client, {
    get: (target, key) => (key in extras ? extras[key as keyof typeof extras] : Reflect.get(target, key)),
  }) as ScoreboardClient;
}
