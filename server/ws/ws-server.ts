import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppServices } from '../app-services.js';
import { UNAUTHORIZED } from '../scores/refusal.js';
import { createContextInner } from '../trpc/context.js';
import { refusalError } from '../trpc/trpc.js';
import { appRouter } from '../trpc/routers/_app.js';
import { clientIp, requestIdOf } from '../http/request-meta.js';
import { originAllowed } from './origin-policy.js';

/** Largest WebSocket message a client may send (ws's default is 100 MiB). */
export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/** Live connections: counts for metrics, and the shutdown sequence. */
export interface LiveSockets {
  readonly wss: WebSocketServer;
  /** Slow consumers dropped so far. */
  dropped(): number;
  /** Tells every client to reconnect, then closes the sockets after `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * tRPC over WebSocket on the HTTP server's port, path `/trpc`. The upgrade is handled here
 * so that the path and the Origin are checked before a socket exists. A subscriber whose
 * unsent bytes pass `maxBufferedBytes` is dropped: a slow reader cannot make us buffer
 * without bound.
 */
export function attachWebSockets(
  server: Server,
  services: AppServices,
  maxBufferedBytes: number,
): LiveSockets {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD_BYTES });
  let dropped = 0;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/trpc' && path !== '/trpc/') return refuseUpgrade(socket, 404, 'Not Found');
    if (!originAllowed(req, services.config.ws.allowedOrigins))
      return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    createContext: ({ req, info }) => {
      const token = info.connectionParams?.token;
      const principal = token === undefined ? undefined : services.authenticator.fromToken(token);
      if (token !== undefined && !principal) throw refusalError(UNAUTHORIZED);
      return createContextInner(services, { principal, ip: clientIp(req), requestId: requestIdOf(req) });
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        services.logger.error({ err: error.cause ?? error, path }, 'ws procedure failed');
    },
  });

  wss.on('connection', (ws) => {
    services.metrics.wsConnections.inc();
    ws.once('close', () => services.metrics.wsConnections.dec());
  });

  const dropSlow = () => {
    for (const ws of wss.clients as Set<WebSocket>) {
      if (ws.bufferedAmount > maxBufferedBytes) {
        dropped += 1;
        services.metrics.slowConsumersDropped.inc();
        services.logger.warn(
          { event: 'slow_consumer_dropped', buffered: ws.bufferedAmount },
          'dropped a slow subscriber',
        );
        ws.terminate();
      }
    }
  };
  services.live.onPublish(dropSlow);

  return {
    wss,
    dropped: () => dropped,
    async shutdown(graceMs) {
      handler.broadcastReconnectNotification();
      // Clients that reconnect leave by themselves; the rest are closed after the grace
      // period (1012: service restart), and cut if they do not answer the close.
      await untilNoClients(wss, graceMs);
      for (const ws of wss.clients) ws.close(1012, 'Server restarting');
      await untilNoClients(wss, 250);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function untilNoClients(wss: WebSocketServer, ms: number): Promise<void> {
  if (wss.clients.size === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const poll = setInterval(() => wss.clients.size === 0 && done(), 10);
    function done() {
      clearTimeout(timer);
      clearInterval(poll);
      resolve();
    }
  });
}
