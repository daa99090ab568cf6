import type { ConnectionHealth } from './connection-health.js';

/** What the SDK needs of a WebSocket instance; the browser's and `ws`'s both have it. */
interface SocketLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  close(code?: number, reason?: string): void;
}

type SocketClass = new (url: string, protocols?: string | string[]) => SocketLike;

/**
 * Subclasses the WebSocket class tRPC is given, so that every socket it opens reports to
 * `health`: its listeners are added first, before tRPC's, so the failure count is up to date
 * when tRPC asks for the next retry delay. A subclass keeps the static `OPEN`/`CLOSED`
 * constants tRPC reads.
 */
export function trackedWebSocket<T>(Base: T, health: ConnectionHealth): T {
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

    override close(code?: number, reason?: string): void {
      // `ws` answers a server's close frame by calling close() itself, after setting
      // `_closeFrameReceived`; that close is the server's doing. Browsers never call it.
      if (!(this as { _closeFrameReceived?: boolean })._closeFrameReceived) this.closedByUs = true;
      super.close(code, reason);
    }
  } as unknown as T;
}
