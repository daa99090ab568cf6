import { WebSocket } from 'ws';
import type { RequestMeta } from '../domain/request-origin.js';
import type { ConnectionState, Context } from '../procedures/context.js';

/** The per-connection limits a socket enforces on itself. */
export interface SocketLimits {
  /** Unsent bytes after which the client is dropped. */
  readonly maxBufferedBytes: number;
  /** Messages a client may send per second; past it the connection is closed (1008). */
  readonly maxMessagesPerSecond: number;
}

/** What a guarded socket reports. */
export interface SocketEvents {
  /** A client stopped reading and was dropped. */
  slowConsumer(socket: GuardedSocket, buffered: number): void;
  /** A client sent too many messages and was closed. */
  flooding(socket: GuardedSocket): void;
}

/** Close code for a client that broke a limit (RFC 6455: policy violation). */
export const POLICY_VIOLATION = 1008;

/** A server-side socket with its connection's state and where it came from. */
export interface GuardedSocket extends WebSocket {
  /** Subscription slots, shared by every call made over this socket. */
  connection: ConnectionState;
  /** The client's address and the upgrade's request id. */
  meta: RequestMeta;
  /**
   * Until when (epoch ms) the socket's messages are not held to WS_MAX_MESSAGES_PER_SECOND:
   * the expiry of a `service` token (a game server) given in its connection params, as its
   * updates are not held to the per-IP budget. 0: never.
   */
  trustedUntil: number;
  /** The context of the socket's calls, once tRPC has made it (after the connection params). */
  context: Promise<Context> | undefined;
}

/**
 * The WebSocket class the server builds its connections with (ws' `WebSocket` option): every
 * send checks the client's unsent bytes, so a reader that stops cannot make us buffer without
 * bound whether the bytes are snapshots or replies; every received message spends from a
 * per-second budget before any listener sees it.
 */
export function guardedSocketClass(limits: SocketLimits, events: SocketEvents): typeof WebSocket {
  return class Guarded extends WebSocket implements GuardedSocket {
    connection: ConnectionState = { subscriptions: 0, maxSubscriptions: 0 };
    meta: RequestMeta = { ip: null };
    trustedUntil = 0;
    context: Promise<Context> | undefined;
    private windowStart = 0;
    private messagesInWindow = 0;
    private dropped = false;

    override send(data: unknown, options?: unknown, cb?: unknown): void {
      if (this.dropped) return;
      (super.send as (data: unknown, options?: unknown, cb?: unknown) => void)(data, options, cb);
      if (this.bufferedAmount > limits.maxBufferedBytes) {
        this.dropped = true;
        events.slowConsumer(this, this.bufferedAmount);
        this.terminate();
      }
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message' && !this.admit()) return false;
      return super.emit(event, ...args);
    }

    private admit(): boolean {
      if (this.dropped) return false;
      const now = Date.now();
      if (now < this.trustedUntil) return true;
      if (now - this.windowStart >= 1000) {
        this.windowStart = now;
        this.messagesInWindow = 0;
      }
      this.messagesInWindow += 1;
      if (this.messagesInWindow <= limits.maxMessagesPerSecond) return true;
      this.dropped = true;
      events.flooding(this);
      this.close(POLICY_VIOLATION, 'Too many messages');
      return false;
    }
  };
}
