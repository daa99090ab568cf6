import type { ConnectionHealth } from './connection-health.js';

/** What the SDK needs of a WebSocket instance; the browser's and `ws`'s both have it. */
interface SocketLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  close(code?: number, reason?: string): void;
  send(data: unknown): void;
}

/** Most calls the server takes in one message (its TRPC_MAX_BATCH default). */
export const SERVER_MAX_BATCH = 10;

/**
 * tRPC's client packs the calls of one tick into one message (an array); the server refuses a
 * message of more than TRPC_MAX_BATCH calls whole. Longer arrays go out in several messages.
 */
export function chunkedMessages(data: unknown, max: number): unknown[] {
  if (typeof data !== 'string' || data[0] !== '[') return [data];
  let calls: unknown[];
  try {
    calls = JSON.parse(data) as unknown[];
  } catch {
    return [data];
  }
  if (!Array.isArray(calls) || calls.length <= max) return [data];
  const messages: string[] = [];
  for (let i = 0; i < calls.length; i += max) messages.push(JSON.stringify(calls.slice(i, i + max)));
  return messages;
}

type SocketClass = new (url: string, protocols?: string | string[]) => SocketLike;

/**
 * Subclasses the WebSocket class tRPC is given, so that every socket it opens reports to
 * `health`: its listeners are added first, before tRPC's, so the failure count is up to date
 * when tRPC asks for the next retry delay. A subclass keeps the static `OPEN`/`CLOSED`
 * constants tRPC reads. It also splits messages of more than `maxBatch` calls.
 */
export function trackedWebSocket<T>(Base: T, health: ConnectionHealth, maxBatch = SERVER_MAX_BATCH): T {
  return class TrackedWebSocket extends (Base as unknown as SocketClass) {
    /** Set when this client closes the socket (idle, replaced, close()): not a server's doing. */
    private closedByUs = false;

    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('open', () => health.opened(this));
      this.addEventListener('error', (event: { message?: unknown }) => {
        if (this.closedByUs) return;
        health.failedToOpen(this, typeof event?.message === 'string' ? event.message : undefined);
      });
      this.addEventListener('close', (event: { code?: number; reason?: string }) =>
        health.closed(this, event?.code ?? 1006, event?.reason ?? '', this.closedByUs),
      );
    }

    override send(data: unknown): void {
      for (const message of chunkedMessages(data, maxBatch)) super.send(message);
    }

    override close(code?: number, reason?: string): void {
      // `ws` answers a server's close frame by calling close() itself, after setting
      // `_closeFrameReceived`; that close is the server's doing. Browsers never call it.
      if (!(this as { _closeFrameReceived?: boolean })._closeFrameReceived) this.closedByUs = true;
      super.close(code, reason);
    }
  } as unknown as T;
}
