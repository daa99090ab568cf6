import {
  createTRPCClient,
  createWSClient,
  httpLink,
  isTRPCClientError,
  splitLink,
  TRPCClientError,
  wsLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import type { AppRouter as ServerRouter } from '../../server/trpc/routers/_app.js';
import type { Leaderboard, LeaderboardEntry, UpdateScoreResult } from '../../shared/schemas.js';

/** The error every refused or failed call rejects with; see {@link isScoreboardError}. */
export { TRPCClientError };
export type { Leaderboard, LeaderboardEntry, UpdateScoreResult };

/** The server's tRPC router type, for tRPC's own helpers (`createTRPCClient<AppRouter>`, ...). */
export type AppRouter = ServerRouter;

/** The input of every procedure, by path: `RouterInputs['scores']['update']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** The output of every procedure, by path: `RouterOutputs['leaderboard']['top']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** The input of `scores.update` (and the body of `POST /update-score`). */
export type UpdateScoreInput = RouterInputs['scores']['update'];

/** A snapshot pushed by `leaderboard.live`: the top N at `version`. */
export interface LeaderboardSnapshot {
  version: number;
  entries: LeaderboardEntry[];
}

/**
 * The state of the live connection, for an indicator: `idle` (no socket: nothing is
 * subscribed), `connecting` (first attempt), `live` (open), `reconnecting` (lost, retrying).
 */
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
  /**
   * Calls `onChange` with the current top-`limit` snapshot, then with each new one; returns
   * the unsubscribe function. Errors go to `onError` (by default, `console.error`).
   */
  watchLeaderboard(
    options: { limit?: number },
    onChange: (snapshot: LeaderboardSnapshot) => void,
    onError?: (error: TRPCClientError<AppRouter>) => void,
  ): () => void;
  /** Ends every subscription and closes the live connection. */
  close(): Promise<void>;
};

/** Whether `error` is an error of a Scoreboard call; its `data.code` says why (e.g. `UNAUTHORIZED`). */
export function isScoreboardError(error: unknown): error is TRPCClientError<AppRouter> {
  return isTRPCClientError<AppRouter>(error);
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Exponential backoff with jitter, capped at 10 s. */
function retryDelayMs(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}

/** Fails every subscription at once, with a hint, where no WebSocket class is available. */
const noWebSocketLink: TRPCLink<AppRouter> = () => () =>
  observable((observer) => {
    observer.error(
      new TRPCClientError(
        'No WebSocket available: pass one, e.g. createScoreboardClient({ url, WebSocket }) with ws',
      ),
    );
  });

/**
 * Creates a client for a Scoreboard server. Subscriptions travel over one WebSocket (opened
 * when the first one starts, closed a few seconds after the last one ends, reconnecting with
 * backoff, the token sent as connection params and asked again on every reconnect); queries
 * and mutations over HTTP with `Authorization: Bearer <token>`.
 */
export function createScoreboardClient(options: ScoreboardClientOptions): ScoreboardClient {
  const base = trimSlash(options.url);
  const token = async () => (options.getToken ? ((await options.getToken()) ?? undefined) : undefined);
  const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;

  let state: ConnectionState = 'idle';
  const wsClient = WebSocketImpl
    ? createWSClient({
        url: `${base.replace(/^http/, 'ws')}/trpc`,
        WebSocket: WebSocketImpl as unknown as typeof WebSocket,
        // closeMs must not be 0: tRPC re-arms the inactivity timer at once while a
        // subscription is open, which would spin a timer every millisecond.
        lazy: { enabled: true, closeMs: 5_000 },
        keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
        retryDelayMs,
        connectionParams: async () => {
          const value = await token();
          return value ? { token: value } : {};
        },
      })
    : null;
  wsClient?.connectionState.subscribe({
    next: (event) => {
      const next: ConnectionState =
        event.state === 'pending'
          ? 'live'
          : event.state === 'idle'
            ? 'idle'
            : event.error || state === 'live' || state === 'reconnecting'
              ? 'reconnecting'
              : 'connecting';
      if (next === state) return;
      state = next;
      options.onConnectionStateChange?.(next);
    },
  });

  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsClient ? wsLink({ client: wsClient }) : noWebSocketLink,
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

  const watchLeaderboard: ScoreboardClient['watchLeaderboard'] = (
    { limit },
    onChange,
    onError = (error) => console.error('[scoreboard] leaderboard subscription failed:', error),
  ) => {
    // tRPC resends the id of the last event on reconnect, so a resumed subscription never
    // goes back to an older snapshot.
    const subscription = client.leaderboard.live.subscribe(limit === undefined ? {} : { limit }, {
      onData: (event) => onChange(event.data),
      onError,
    });
    return () => subscription.unsubscribe();
  };

  const extras = { watchLeaderboard, close: async () => wsClient?.close() };
  // The tRPC client is a proxy that answers every property with a procedure path, so the
  // extras are laid over it by another proxy rather than assigned onto it.
  return new Proxy(client, {
    get: (target, key) =>
      Object.hasOwn(extras, key) ? extras[key as keyof typeof extras] : Reflect.get(target, key),
  }) as ScoreboardClient;
}
