import { createWSClient, TRPCClientError, type TRPCWebSocketClient } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { compactError } from './compact-errors.js';
import { ConnectionHealth, LiveConnectionError } from './connection-health.js';
import { trackedWebSocket } from './tracked-websocket.js';

/**
 * The state of the live connection, for an indicator: `idle` (no socket: nothing is
 * subscribed), `connecting` (first attempt), `live` (open), `reconnecting` (lost, retrying).
 */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';

/** What the live connection is built from (see createScoreboardClient's options). */
export interface LiveConnectionOptions<TRouter extends AnyTRPCRouter> {
  /** The `ws:`/`wss:` URL of the tRPC endpoint. */
  url: string;
  WebSocket: unknown;
  getToken: () => Promise<string | undefined>;
  onError: ((error: TRPCClientError<TRouter>) => void) | undefined;
  onConnectionStateChange: ((state: ConnectionState) => void) | undefined;
}

/** The WebSocket client, and the failures that leave no socket serving the board. */
export interface LiveConnection<TRouter extends AnyTRPCRouter> {
  readonly wsClient: TRPCWebSocketClient;
  /**
   * Opens a fresh socket (asking getToken again) while the current one goes on serving, and
   * moves the requests over once it is open: for a token that expired on the socket.
   */
  refreshToken(): void;
  /** Calls `listener` when an attempt fails while no socket is open; returns the removal. */
  onBoardDown(listener: (error: TRPCClientError<TRouter>) => void): () => void;
}

/**
 * Runs a consumer's callback from inside a socket event without letting a throw skip the rest
 * of that event's listeners (tRPC's among them): the error is rethrown on its own.
 */
export function safely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    setTimeout(() => {
      throw error;
    });
  }
}

/** A live-connection problem as the error every callback gets, printed compactly. */
function toClientError<TRouter extends AnyTRPCRouter>(cause: LiveConnectionError): TRPCClientError<TRouter> {
  const error = new TRPCClientError<TRouter>(cause.message, { cause });
  error.stack = `${error.name}: ${error.message}`; // see LiveConnectionError: no useful stack
  return compactError(error);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * tRPC's WebSocket client as the SDK runs it: lazy, with keep-alive, a backoff that survives
 * sockets the server drops at once (ConnectionHealth), a token that may fail without costing
 * the public board, and every problem reported instead of retried in silence.
 */
export function createLiveConnection<TRouter extends AnyTRPCRouter>(
  options: LiveConnectionOptions<TRouter>,
): LiveConnection<TRouter> {
  const boardWatchers = new Set<(error: TRPCClientError<TRouter>) => void>();
  const report = (error: TRPCClientError<TRouter>) => {
    if (options.onError) safely(() => options.onError!(error));
  };
  const health = new ConnectionHealth(({ error, streak, boardLive }) => {
    const clientError = toClientError<TRouter>(error);
    report(clientError);
    // A socket that dies after serving for a while is reconnected at once and is no news to a
    // watcher; an attempt that fails while no socket serves the board is.
    if (streak && !boardLive) for (const tell of boardWatchers) tell(clientError);
  });

  // A token that cannot be had must not cost the public board: connect without one, and say so.
  const connectionParams = async (): Promise<Record<string, string>> => {
    try {
      const value = await options.getToken();
      return value ? { token: value } : {};
    } catch (cause) {
      const message = `getToken failed, so the live connection goes on without a token: ${messageOf(cause)}`;
      if (!options.onError) console.warn('[scoreboard]', message);
      report(toClientError(new LiveConnectionError(message, 'token', {}, { cause })));
      return {};
    }
  };

  const wsClient = createWSClient({
    url: options.url,
    WebSocket: trackedWebSocket(options.WebSocket, health) as typeof WebSocket,
    // closeMs must not be 0: tRPC re-arms the inactivity timer at once while a
    // subscription is open, which would spin a timer every millisecond.
    lazy: { enabled: true, closeMs: 5_000 },
    keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
    // tRPC's attempt index starts over whenever a socket opens; ours only once one stayed up.
    retryDelayMs: () => health.delayMs(),
    connectionParams,
  });

  let state: ConnectionState = 'idle';
  wsClient.connectionState.subscribe({
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

  // tRPC's client replaces its socket this way on a server's reconnect notification; the method
  // is not part of its typed surface, so it is looked up, and missing it the socket stays.
  const reconnect = (wsClient as unknown as { reconnect?: (closedError: null) => void }).reconnect;
  return {
    wsClient,
    refreshToken: () => reconnect?.call(wsClient, null),
    onBoardDown(listener) {
      boardWatchers.add(listener);
      return () => boardWatchers.delete(listener);
    },
  };
}
