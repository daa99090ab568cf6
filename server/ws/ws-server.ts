import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AnyTRPCRouter } from '@trpc/server';
import { getWSConnectionHandler, type CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { hasRole, ROLE_SERVICE } from '../auth/principal.js';
import { refuse } from '../domain/refusal.js';
import type { InternalErrorReporter } from '../observability/internal-errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createContextInner, type Context, type ProcedureDeps } from '../procedures/context.js';
import type { ClientIpResolver } from '../transport/client-ip.js';
import { originAllowed } from '../transport/origin-policy.js';
import { requestIdOf, requestUrl } from '../transport/request-meta.js';
import { ConnectionCounter } from './connection-counter.js';
import { guardedSocketClass, type GuardedSocket } from './guarded-socket.js';
import { LiveFanout } from './live-fanout.js';
import { subscriptionTakingEncoder } from './message-decoder.js';
import { Subscriptions } from './subscriptions.js';

/** Largest WebSocket message a client may send (ws's default is 100 MiB). */
export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/** What a socket that floods is refused with in the audit trail (folded per source and minute). */
const FLOODING = refuse(
  'rate_limited',
  'Too many WebSocket messages: the connection was closed (WS_MAX_MESSAGES_PER_SECOND)',
);

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
  /** tRPC's router, whose handler serves the queries and mutations. */
  readonly router: AnyTRPCRouter;
  readonly procedures: ProcedureDeps;
  readonly clientIp: ClientIpResolver;
  readonly allowedOrigins: readonly string[];
  readonly limits: WsLimits;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly reportInternal: InternalErrorReporter;
  /** Serves every subscription through tRPC's own handler (tests compare it with ours). */
  readonly subscriptionsThroughTrpc?: boolean;
}

/** Live connections: counts for metrics, and the shutdown sequence. */
export interface LiveSockets {
  readonly wss: WebSocketServer;
  /** Slow consumers dropped so far. */
  dropped(): number;
  /** `leaderboard.live` subscriptions delivered by the fan-out now. */
  fannedOut(): number;
  /** Tells every client to reconnect, then closes the sockets after `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, headers = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
}

/**
 * tRPC over WebSocket on the HTTP server's port, path `/trpc`. The upgrade is handled here so
 * that the path, the Origin and the connection caps (in total and per IP) are checked before a
 * socket exists; each socket then caps its own message rate and unsent bytes (GuardedSocket).
 * tRPC's handler serves queries and mutations; subscriptions are served by Subscriptions (one
 * registry of ids; `leaderboard.live` as shared frames).
 *
 * A token in the connection params is optional. One that verifies makes the socket's calls
 * authenticated; one that does not is audited and counted as a failed authentication, and the
 * socket goes on as an anonymous one: a bad token never costs the public board.
 */
export function attachWebSockets(server: Server, deps: WsDeps): LiveSockets {
  const { procedures, limits, metrics, logger, reportInternal } = deps;
  let dropped = 0;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_PAYLOAD_BYTES,
    WebSocket: guardedSocketClass(limits, {
      slowConsumer: (socket, buffered) => {
        dropped += 1;
        metrics.slowConsumersDropped.inc();
        logger.warn(
          { event: 'slow_consumer_dropped', buffered, ip: socket.meta.ip },
          'dropped a slow subscriber',
        );
      },
      flooding: (socket) => {
        metrics.wsRefused.inc({ reason: 'messages' });
        procedures.gate
          .refuse(FLOODING, { ...socket.meta, subject: null, userId: null })
          .catch((error: unknown) =>
            reportInternal(error, { transport: 'ws', requestId: socket.meta.requestId }),
          );
      },
    }),
  });
  const connections = new ConnectionCounter(limits.maxConnections, limits.maxConnectionsPerIp);
  const fanout = new LiveFanout(procedures.live);
  const subscriptions = new Subscriptions(fanout, reportInternal, procedures.maxBatch);

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
        subscriptions.closed(guarded);
      });
      wss.emit('connection', ws, req);
    });
  });

  /** The context of a socket's calls; a `service` token exempts its messages from the rate until it expires. */
  const createContext = async ({ res, info }: CreateWSSContextFnOptions): Promise<Context> => {
    const socket = res as GuardedSocket;
    const { meta, connection } = socket;
    const token = info.connectionParams?.token;
    if (token === undefined) return createContextInner(procedures, meta, connection);
    const authorization = typeof token === 'string' ? `Bearer ${token}` : '';
    const auth = await procedures.gate.authenticate({ authorization }, meta, 'access');
    const principal = auth.ok ? auth.value : undefined;
    if (principal && hasRole(principal, ROLE_SERVICE)) socket.trustedUntil = principal.expiresAt;
    // A bad token stays with the socket, so its authenticated calls fail (and count) too.
    return createContextInner(procedures, { ...meta, authorization, principal }, connection);
  };
  const handlerOptions = {
    router: deps.router,
    maxBatchSize: procedures.maxBatch,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    onError: ({ error, path }: { error: { code: string; cause?: unknown }; path?: string }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        reportInternal(error.cause ?? error, { transport: 'ws', path });
    },
  };
  const viaTrpc = deps.subscriptionsThroughTrpc
    ? getWSConnectionHandler({ ...handlerOptions, wss, createContext })
    : undefined;

  wss.on('connection', (ws, req) => {
    metrics.wsConnections.inc();
    ws.once('close', () => metrics.wsConnections.dec());
    const socket = ws as GuardedSocket;
    if (viaTrpc) return viaTrpc(ws, req);
    getWSConnectionHandler({
      ...handlerOptions,
      wss,
      createContext: (opts) => (socket.context = createContext(opts)),
      experimental_encoder: subscriptionTakingEncoder(socket, subscriptions, procedures.maxBatch),
    })(ws, req);
  });

  return {
    wss,
    dropped: () => dropped,
    fannedOut: () => fanout.count,
    async shutdown(graceMs) {
      const reconnect = JSON.stringify({ id: null, method: 'reconnect' });
      for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(reconnect);
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
