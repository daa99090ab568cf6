import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppServices } from './app-services.js';
import { buildServices } from './build-services.js';
import type { Config } from './config/config.js';
import { healthRoute, readyRoute } from './http/health.route.js';
import { boardPath } from './http/board-path.js';
import { boardsRoute } from './http/boards.route.js';
import { leaderboardRoutes } from './http/leaderboard.route.js';
import { metricsRoute } from './http/metrics.route.js';
import { openApiDocument } from './http/openapi.js';
import { restCall } from './http/rest-call.js';
import { updateScoreRoute } from './http/update-score.route.js';
import { userPath } from './http/user-path.js';
import { internalErrorReporter } from './observability/internal-errors.js';
import { createLogger, type Logger } from './observability/logger.js';
import type { ProcedureDeps } from './procedures/context.js';
import { clientIpResolver } from './transport/client-ip.js';
import { createHttpApp, type Routes } from './transport/http-app.js';
import { sendJson } from './transport/respond.js';
import { trpcHttpHandler } from './trpc/http-handler.js';
import { appRouter } from './trpc/routers/_app.js';
import { apiDocsRoutes } from './web/api-docs.js';
import { scoreboardPageRoutes } from './web/scoreboard-page.js';
import { attachWebSockets, type LiveSockets } from './ws/ws-server.js';

/** The service's version, as package.json says. */
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** A built Scoreboard server. */
export interface App {
  readonly services: AppServices;
  readonly server: Server;
  readonly sockets: LiveSockets;
  /** Starts listening (unless the server already does); resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuse new connections, let in-flight updates commit, tell subscribers
   * to reconnect, close sockets after the grace period, then close the database.
   */
  close(): Promise<void>;
}

/** The HTTP server, with the timeouts every Scoreboard server uses. */
export function createHttpServer(): Server {
  const server = createServer({ keepAliveTimeout: 65_000 });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  return server;
}

/**
 * Wires config → storage → services → HTTP and WebSocket; the only place that hands each
 * adapter the few services it uses. Nothing here reads the environment. `server` may be one
 * that already listens (the process binds its port before it writes anything).
 * `trpcAdapterOnly` serves tRPC over HTTP through tRPC's own adapter only,
 * `subscriptionsThroughTrpc` serves subscriptions through tRPC's WebSocket handler (the
 * differential tests compare them with the hand-served ones).
 */
export async function createApp(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  server: Server = createHttpServer(),
  options: { trpcAdapterOnly?: boolean; subscriptionsThroughTrpc?: boolean } = {},
): Promise<App> {
  const services = await buildServices(config, logger);
  const { storage, liveBoards, gate, scores, leaderboard, metrics } = services;
  const clientIp = clientIpResolver(config.trustProxy);
  const reportInternal = internalErrorReporter(logger, metrics);
  const procedures: ProcedureDeps = {
    gate,
    scores,
    leaderboard,
    reads: services.reads,
    live: liveBoards,
    watch: services.watch,
    admin: services.admin,
    boards: services.boards,
    maxBatch: config.trpcMaxBatch,
  };
  const call = restCall(procedures, reportInternal);
  const update = updateScoreRoute(call);
  const openapi = JSON.stringify(openApiDocument(PACKAGE_VERSION));
  const board = leaderboardRoutes(call);
  const boards = boardsRoute(call, leaderboard.now);
  const ready = readyRoute(
    () => storage.ping(),
    () => services.redis?.breaker.closed ?? true,
  );
  const notFound = (res: ServerResponse) => sendJson(res, 404, { status: 'error', message: 'Not found' });
  const routes: Routes = {
    '/update-score': { POST: (req, res, { meta }) => update(req, res, meta) },
    '/leaderboard': { GET: (_req, res, { url, meta }) => board.page(url, res, meta) },
    '/leaderboard/users/': {
      GET: (_req, res, { url, meta, rest }) => {
        const target = userPath(rest);
        return target ? board.user(target, url, res, meta) : notFound(res);
      },
    },
    '/boards': { GET: (req, res, { url, meta }) => boards(req, url, res, meta) },
    '/boards/': {
      GET: (_req, res, { url, meta, rest }) => {
        const target = boardPath(rest);
        if (target?.kind === 'leaderboard') return board.page(url, res, meta, target.board);
        if (target?.kind === 'users') return board.users(url, res, meta, target.board);
        if (target?.kind === 'user') return board.user(target.user, url, res, meta, target.board);
        return notFound(res);
      },
      POST: (req, res, { meta, rest }) => {
        const target = boardPath(rest);
        return target?.kind === 'scores' ? update(req, res, meta, target.board) : notFound(res);
      },
    },
    '/healthz': { GET: (_req, res) => healthRoute(res) },
    '/readyz': { GET: (_req, res) => ready(res) },
    '/metrics': { GET: metricsRoute(metrics, config.metricsToken) },
    '/openapi.json': { GET: (_req, res) => sendJson(res, 200, openapi) },
    // Browsers ask for it on every page; there is none, and saying so is not an error.
    '/favicon.ico': {
      GET: (_req, res) => void res.writeHead(204, { 'cache-control': 'public, max-age=86400' }).end(),
    },
    ...apiDocsRoutes(),
    ...(await scoreboardPageRoutes(logger)),
  };
  server.on(
    'request',
    createHttpApp({
      routes,
      trpc: trpcHttpHandler(procedures, reportInternal, options.trpcAdapterOnly),
      clientIp,
      allowedOrigins: config.allowedOrigins,
      reportInternal,
    }),
  );
  const sockets = attachWebSockets(server, {
    router: appRouter,
    procedures,
    clientIp,
    allowedOrigins: config.allowedOrigins,
    limits: config.ws,
    metrics,
    logger,
    reportInternal,
    subscriptionsThroughTrpc: options.subscriptionsThroughTrpc,
  });
  // Subscriptions delivered by the fan-out and any served by tRPC's own handler.
  metrics.countSubscribersWith(() => sockets.fannedOut() + liveBoards.subscriberCount);

  let closing: Promise<void> | undefined;
  const close = async () => {
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    liveBoards.close();
    services.watch.close();
    await sockets.shutdown(config.shutdownGraceMs);
    logger.info('subscribers closed; waiting for in-flight requests');
    // In-flight requests finish (and their commits land) before the server reports closed;
    // keep-alive connections are closed as soon as they fall idle.
    const idle = setInterval(() => server.closeIdleConnections(), 20);
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs + 5000);
    await httpClosed;
    clearInterval(idle);
    clearTimeout(force);
    logger.info('requests finished; closing the database');
    await services.follower.stop();
    await services.retention.stop();
    await services.audit.stop();
    await storage.close();
    services.redis?.close();
  };
  return {
    services,
    server,
    sockets,
    listen: () => listen(server, config.port, config.host),
    close: () => (closing ??= close()),
  };
}

/** Listens on `port` (unless already listening); resolves with the bound port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  if (server.listening) return Promise.resolve((server.address() as AddressInfo).port);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
