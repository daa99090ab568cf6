import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { hasRole, ROLE_SERVICE } from '../auth/principal.js';
import type { ClientIpResolver } from '../transport/client-ip.js';
import { requestIdOf, requestUrl } from '../transport/request-meta.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { originAllowed } from '../transport/origin-policy.js';
import { createContextInner, type ProcedureDeps } from '../trpc/context.js';
import { appRouter } from '../trpc/routers/_app.js';
import { ConnectionCounter } from './connection-counter.js';
import { guardedSocketClass, type GuardedSocket } from './guarded-socket.js';
import type { LiveFanout } from './live-fanout.js';
import { takeLiveMessages } from './live-messages.js';

/** Largest WebSocket message a client may send (ws's default is 100 MiB). */
export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/** The limits of the WebSocket endpoint (see the WS_* settings). */
export interface WsLimits {
  readonly maxBufferedBytes: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxSubscriptions: number;
  readonly maxMessagesPerSecond: number;
}

/** What the WebSocket endpoint is made of. */
export interface WsDeps {
  readonly procedures: ProcedureDeps;
  readonly clientIp: ClientIpResolver;
  readonly allowedOrigins: readonly string[];
  readonly limits: WsLimits;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Serves `leaderboard.live` by hand (serialised once per limit); without it, tRPC does. */
  readonly fanout?: LiveFanout;
}

/** Live connections: counts for metrics, and the shutdown sequence. */
export interface LiveSockets {
  readonly wss: WebSocketServer;
  /** Slow consumers dropped so far. */
  dropped(): number;
  /** Tells every client to reconnect, then closes the sockets after `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, headers = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
}

/**
 * tRPC over WebSocket on the HTTP server's port, path `/trpc`. The upgrade is handled here so
 * that the path, the Origin and the connection caps (in total and per IP) are checked before a
 * socket exists; each socket then caps its own message rate and unsent bytes (GuardedSocket),
 * and the subscriptions it may hold (the procedures count them).
 *
 * A token in the connection params is optional. One that verifies makes the socket's calls
 * authenticated; one that does not is audited and counted as a failed authentication, and the
 * socket goes on as an anonymous one: a bad token never costs the public board.
 */
export function attachWebSockets(server: Server, deps: WsDeps): LiveSockets {
  const { procedures, limits, metrics, logger } = deps;
  let dropped = 0;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_PAYLOAD_BYTES,
    WebSocket: guardedSocketClass(
      limits,
      {
        slowConsumer: (buffered) => {
          dropped += 1;
          metrics.slowConsumersDropped.inc();
          logger.warn({ event: 'slow_consumer_dropped', buffered }, 'dropped a slow subscriber');
        },
        flooding: () => {
          metrics.wsRefused.inc({ reason: 'messages' });
          logger.warn({ event: 'ws_flooding' }, 'closed a WebSocket that sent too many messages');
        },
      },
      deps.fanout
        ? (socket, data, isBinary) =>
            takeLiveMessages(deps.fanout!, socket, data, isBinary, procedures.maxBatch)
        : undefined,
    ),
  });
  const connections = new ConnectionCounter(limits.maxConnections, limits.maxConnectionsPerIp);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = requestUrl(req)?.pathname;
    if (path === undefined) return refuseUpgrade(socket, 400, 'Bad Request');
    if (path !== '/trpc' && path !== '/trpc/') return refuseUpgrade(socket, 404, 'Not Found');
    if (!originAllowed(req, deps.allowedOrigins)) return refuseUpgrade(socket, 403, 'Forbidden');
    const ip = deps.clientIp(req);
    const refused = connections.open(ip);
    if (refused) {
      metrics.wsRefused.inc({ reason: refused });
      return refused === 'total'
        ? refuseUpgrade(socket, 503, 'Service Unavailable', 'Retry-After: 5\r\n')
        : refuseUpgrade(socket, 429, 'Too Many Requests', 'Retry-After: 5\r\n');
    }
    let counted = true;
    const release = () => {
      if (counted) connections.close(ip);
      counted = false;
    };
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const guarded = ws as GuardedSocket;
      guarded.meta = { ip, requestId: requestIdOf(req) };
      guarded.connection = { subscriptions: 0, maxSubscriptions: limits.maxSubscriptions };
      ws.once('close', () => {
        release();
        deps.fanout?.closed(guarded);
      });
      wss.emit('connection', ws, req);
    });
  });

  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    maxBatchSize: procedures.maxBatch,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    createContext: async ({ res, info }) => {
      const socket = res as GuardedSocket;
      const { meta, connection } = socket;
      const token = info.connectionParams?.token;
      if (token === undefined) return createContextInner(procedures, meta, connection);
      const authorization = typeof token === 'string' ? `Bearer ${token}` : '';
      const auth = await procedures.gate.authenticate({ authorization }, meta, 'access');
      const principal = auth.ok ? auth.value : undefined;
      if (principal && hasRole(principal, ROLE_SERVICE)) socket.trusted = true;
      // A bad token stays with the socket, so its authenticated calls fail (and count) too.
      return createContextInner(procedures, { ...meta, authorization, principal }, connection);
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        logger.error({ err: error.cause ?? error, path }, 'ws procedure failed');
    },
  });

  wss.on('connection', (ws) => {
    metrics.wsConnections.inc();
    ws.once('close', () => metrics.wsConnections.dec());
  });

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
