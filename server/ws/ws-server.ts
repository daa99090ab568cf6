import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppServices } from '../app-services.js';
import { authenticateRequest } from '../security/authenticate-request.js';
import { createContextInner } from '../trpc/context.js';
import { refusalError } from '../trpc/trpc.js';
import { appRouter } from '../trpc/routers/_app.js';
import { clientIp, requestIdOf, requestUrl } from '../http/request-meta.js';
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
    const path = requestUrl(req)?.pathname;
    if (path === undefined) return refuseUpgrade(socket, 400, 'Bad Request');
    if (path !== '/trpc' && path !== '/trpc/') return refuseUpgrade(socket, 404, 'Not Found');
    if (!originAllowed(req, services.config.ws.allowedOrigins))
      return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    createContext: async ({ req, info }) => {
      const meta = { ip: clientIp(req), requestId: requestIdOf(req) };
      const token = info.connectionParams?.token;
      if (token === undefined) return createContextInner(services, meta);
      // A token is optional here, but one that is sent must be valid: checked (and audited,
      // and counted against the IP) like any other.
      const header = typeof token === 'string' ? `Bearer ${token}` : '';
      const auth = await authenticateRequest(services, header, meta, false);
      if (!auth.ok) throw refusalError(auth.refusal);
      return createContextInner(services, { ...meta, principal: auth.value });
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
