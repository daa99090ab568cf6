import {
  createTRPCClient,
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
import { isNoScoreMessage } from '../../shared/read-refusals.js';
import type {
  BoardSummary,
  LeaderboardEntry,
  UserRank,
  UsersStanding,
  WatchedUser,
  WindowInfo,
} from '../../shared/schemas.js';
import { compactErrorsLink } from './compact-errors.js';
import { LiveConnectionError } from './connection-health.js';
import { createLiveConnection, safely, type ConnectionState } from './live-connection.js';

/** The error every refused or failed call rejects with; see {@link isScoreboardError}. */
export { TRPCClientError };
/** The `cause` of the errors `onError` gets for live-connection problems. */
export { LiveConnectionError };
/** The plain shapes of the answers (shared/schemas.ts, which the server's schemas are held equal to). */
export type {
  BoardList,
  BoardSummary,
  CurrentWindow,
  Leaderboard,
  LeaderboardEntry,
  Neighbours,
  UpdateScoreResult,
  UserRank,
  UsersStanding,
  WatchedUser,
  WindowInfo,
} from '../../shared/schemas.js';
export type { ConnectionState };

/** The server's tRPC router type, for tRPC's own helpers (`createTRPCClient<AppRouter>`, ...). */
export type AppRouter = ServerRouter;

/** The input of every procedure, by path: `RouterInputs['scores']['update']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** The output of every procedure, by path: `RouterOutputs['leaderboard']['top']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** The input of `scores.update` (and the body of `POST /update-score`). */
export type UpdateScoreInput = RouterInputs['scores']['update'];

/** The kinds of window a board may keep: `all`, `day`, `week`, `month`, `season`. */
export type WindowKind = WindowInfo['kind'];

/**
 * Which window of which board a read means; each field is optional: the board `global`, its
 * whole window (`all`), as it is now (`current`). A board that does not keep that kind of
 * window refuses the call (`BAD_REQUEST`), an unknown board too (`NOT_FOUND`). `Board` narrows
 * the board ids to the ones a game has (see {@link createScoreboardClient}).
 */
export interface WindowSelection<Board extends string = string> {
  /** The board's id (default `global`). */
  board?: Board;
  /** The kind of window (default `all`). */
  window?: WindowKind;
  /** `current` (default), `previous`, or a date `YYYY-MM-DD` inside a window that has begun. */
  at?: 'current' | 'previous' | `${number}-${number}-${number}`;
}

/**
 * Which board and kind of window a live helper follows ({@link WindowSelection} without `at`):
 * always the window in force, into the next one at each reset.
 */
export type LiveSelection<Board extends string = string> = Omit<WindowSelection<Board>, 'at'>;

/**
 * A snapshot pushed by `leaderboard.live`: the top N of `window` at `version`. A reset of the
 * window pushes the next window's snapshot (its entries usually empty); versions only compare
 * within one window.
 */
export interface LeaderboardSnapshot {
  version: number;
  window: WindowInfo;
  entries: LeaderboardEntry[];
}

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
  /**
   * Called for each problem of the live connection: an upgrade refused (e.g. HTTP 429), a
   * socket closed abnormally (e.g. 1008) or soon after it opened, `getToken` failing (the socket
   * then goes on without a token). The error's `cause` is a {@link LiveConnectionError}; the
   * client keeps retrying with backoff. Without it, `getToken` failures go to `console.warn`.
   */
  onError?: (error: TRPCClientError<AppRouter>) => void;
  /**
   * Where queries and mutations travel: `http` (the default: one request each, with the token
   * from getToken) or `websocket` (the live connection, opened for them if need be: no HTTP
   * round trip per call, several times the calls per second). Over the WebSocket the token
   * is the one the socket was opened with; a call it no longer authenticates (it expired) is
   * sent again over HTTP with a fresh token, and the socket is reopened with it.
   */
  calls?: 'http' | 'websocket';
}

/**
 * The typed client: every procedure of the server, plus conveniences. The conveniences that
 * read take a {@link WindowSelection} whose boards are `Board`.
 */
export type ScoreboardClient<Board extends string = string> = TRPCClient<AppRouter> & {
  /**
   * Calls `onChange` with the current top-`limit` snapshot of a board's window in force
   * (default `global`, `all`), then with each new one, and with the next window's at each
   * reset; returns the unsubscribe function. `onError` (by default `console.error`) gets an
   * error that ended the subscription (an unknown board, a window it does not keep), and, once
   * per outage, the first failure of the live connection (its `cause` is a
   * {@link LiveConnectionError}; the subscription retries and resumes by itself).
   */
  watchLeaderboard(
    options: { limit?: number } & LiveSelection<Board>,
    onChange: (snapshot: LeaderboardSnapshot) => void,
    onError?: (error: TRPCClientError<AppRouter>) => void,
  ): () => void;
  /**
   * The boards that take scores (archived ones are left out), by id: each with its title, order,
   * operator and the window of each kind it keeps in force now (when it resets: `next_reset`).
   */
  boards(): Promise<BoardSummary[]>;
  /**
   * A user's score and rank (and the window they are in), or null when they have no score
   * there. An unknown board or a window it does not keep is an error, not null.
   */
  rankOf(userId: string, where?: WindowSelection<Board>): Promise<UserRank | null>;
  /**
   * The user and up to `radius` (default 5) users above and below them, or null when they
   * have no score in the window.
   */
  around(userId: string, radius?: number, where?: WindowSelection<Board>): Promise<LeaderboardEntry[] | null>;
  /**
   * Friends: the named users (1 to 100) who have a score in the window, each once, with their
   * score and rank on the whole window, in rank order.
   */
  ofUsers(userIds: readonly string[], where?: WindowSelection<Board>): Promise<UsersStanding>;
  /** Every entry of the window from the top, in order, fetched `limit` (default 100) at a time. */
  allEntries(options?: { limit?: number } & WindowSelection<Board>): AsyncIterable<LeaderboardEntry>;
  /**
   * A live personal rank in a board's window in force (`where`, default `global`, `all`):
   * calls `onChange` with the user's place now (nulls while they have no score there), then
   * whenever their score or rank changes or the window resets (nulls again), at most about
   * once a second. Returns the unsubscribe function; `onError` as for `watchLeaderboard`.
   */
  watchUser(
    userId: string,
    onChange: (place: WatchedUser) => void,
    onError?: (error: TRPCClientError<AppRouter>) => void,
    where?: LiveSelection<Board>,
  ): () => void;
  /** Ends every subscription and closes the live connection. */
  close(): Promise<void>;
};

/**
 * Null for a NOT_FOUND refusal that says the user has no score; other errors (an unknown
 * board among them) are thrown.
 */
async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (
      isTRPCClientError(error) &&
      (error.data as { code?: string } | undefined)?.code === 'NOT_FOUND' &&
      isNoScoreMessage(error.message)
    )
      return null;
    throw error;
  }
}

/** Whether `error` is an error of a Scoreboard call; its `data.code` says why (e.g. `UNAUTHORIZED`). */
export function isScoreboardError(error: unknown): error is TRPCClientError<AppRouter> {
  return isTRPCClientError<AppRouter>(error);
}

/** Whether `error` reports a problem of the live connection (the client retries by itself). */
export function isLiveConnectionError(error: unknown): error is TRPCClientError<AppRouter> {
  return isScoreboardError(error) && error.cause instanceof LiveConnectionError;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

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
 * Queries and mutations over the live WebSocket; one the socket's token no longer authenticates
 * goes again over HTTP (with a fresh token), and the socket is reopened with a fresh token.
 * Sending a mutation twice is safe: the same action_id is a replay.
 */
function socketCallsLink(
  overSocket: TRPCLink<AppRouter>,
  overHttp: TRPCLink<AppRouter>,
  refreshToken: () => void,
): TRPCLink<AppRouter> {
  return (runtime) => {
    const socket = overSocket(runtime);
    const http = overHttp(runtime);
    return ({ op, next }) =>
      observable((observer) => {
        let inner = socket({ op, next }).subscribe({
          next: (value) => observer.next(value),
          error: (error) => {
            if ((error.data as { code?: string } | undefined)?.code !== 'UNAUTHORIZED')
              return observer.error(error);
            refreshToken();
            inner = http({ op, next }).subscribe(observer);
          },
          complete: () => observer.complete(),
        });
        return () => inner.unsubscribe();
      });
  };
}

/**
 * Creates a client for a Scoreboard server. Subscriptions travel over one WebSocket (opened
 * when the first one starts, closed a few seconds after the last one ends, reconnecting with
 * backoff, the token sent as connection params and asked again on every reconnect); queries
 * and mutations over HTTP with `Authorization: Bearer <token>`.
 */
export function createScoreboardClient<Board extends string = string>(
  options: ScoreboardClientOptions,
): ScoreboardClient<Board> {
  const base = trimSlash(options.url);
  const token = async () => (options.getToken ? ((await options.getToken()) ?? undefined) : undefined);
  const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;

  const live = WebSocketImpl
    ? createLiveConnection<AppRouter>({
        url: `${base.replace(/^http/, 'ws')}/trpc`,
        WebSocket: WebSocketImpl,
        getToken: token,
        onError: options.onError,
        onConnectionStateChange: options.onConnectionStateChange,
      })
    : null;

  const overHttp = httpLink<AppRouter>({
    url: `${base}/trpc`,
    headers: async (): Promise<Record<string, string>> => {
      const value = await token();
      return value ? { authorization: `Bearer ${value}` } : {};
    },
  });
  const overSocket = live ? wsLink<AppRouter>({ client: live.wsClient }) : noWebSocketLink;
  const calls =
    live && options.calls === 'websocket'
      ? socketCallsLink(overSocket, overHttp, () => live.refreshToken())
      : overHttp;
  const client = createTRPCClient<AppRouter>({
    links: [
      compactErrorsLink<AppRouter>(),
      splitLink({ condition: (op) => op.type === 'subscription', true: overSocket, false: calls }),
    ],
  });

  type Client = ScoreboardClient<Board>;

  const watchLeaderboard: Client['watchLeaderboard'] = (
    { limit, ...where },
    onChange,
    onError = (error) => console.error('[scoreboard] live leaderboard:', error),
  ) => {
    // Told once per outage: again only after a snapshot showed the board live again.
    let told = false;
    const tell = (error: TRPCClientError<AppRouter>) => {
      if (told) return;
      told = true;
      safely(() => onError(error));
    };
    const stopTelling = live?.onBoardDown(tell);
    // tRPC resends the id of the last event on reconnect, so a resumed subscription never
    // goes back to an older snapshot.
    const subscription = client.leaderboard.live.subscribe(
      limit === undefined ? where : { ...where, limit },
      {
        onData: (event) => {
          told = false;
          onChange(event.data);
        },
        onError: (error) => {
          stopTelling?.();
          onError(error);
        },
        onComplete: () => stopTelling?.(),
      },
    );
    return () => {
      stopTelling?.();
      subscription.unsubscribe();
    };
  };

  const boards: Client['boards'] = async () => (await client.leaderboard.boards.query()).boards;

  const rankOf: Client['rankOf'] = (userId, where) =>
    orNull(client.leaderboard.rank.query({ ...where, user_id: userId }));

  const around: Client['around'] = async (userId, radius, where) => {
    const input =
      radius === undefined ? { ...where, user_id: userId } : { ...where, user_id: userId, radius };
    return (await orNull(client.leaderboard.around.query(input)))?.entries ?? null;
  };

  const ofUsers: Client['ofUsers'] = (userIds, where) =>
    client.leaderboard.ofUsers.query({ ...where, ids: [...userIds] });

  const allEntries: Client['allEntries'] = ({ limit = 100, ...where } = {}) => ({
    async *[Symbol.asyncIterator]() {
      let cursor: string | undefined;
      do {
        const page = await client.leaderboard.top.query(
          cursor === undefined ? { ...where, limit } : { ...where, limit, cursor },
        );
        yield* page.entries;
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
    },
  });

  const watchUser: Client['watchUser'] = (
    userId,
    onChange,
    onError = (error) => console.error('[scoreboard] live rank:', error),
    where,
  ) => {
    const subscription = client.leaderboard.watchUser.subscribe(
      { ...where, user_id: userId },
      { onData: (place) => onChange(place), onError },
    );
    return () => subscription.unsubscribe();
  };

  const extras = {
    watchLeaderboard,
    watchUser,
    boards,
    rankOf,
    around,
    ofUsers,
    allEntries,
    close: async () => live?.wsClient.close(),
  };
  // The tRPC client is a proxy that answers every property with a procedure path, so the
  // extras are laid over it by another proxy rather than assigned onto it.
  return new Proxy(client, {
    get: (target, key) =>
      Object.hasOwn(extras, key) ? extras[key as keyof typeof extras] : Reflect.get(target, key),
  }) as Client;
}
