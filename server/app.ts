import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppServices } from './app-services.js';
import { buildServices } from './build-services.js';
import type { Config } from './config/config.js';
import { metricsRoute } from './http/metrics.route.js';
import { createHttpApp, type ExtraRoutes } from './http/http-app.js';
import { createLogger, type Logger } from './observability/logger.js';
import { scoreboardPageRoutes } from './web/scoreboard-page.js';
import { attachWebSockets, type LiveSockets } from './ws/ws-server.js';

/** A built, not yet listening, Scoreboard server. */
export interface App {
  readonly services: AppServices;
  readonly server: Server;
  readonly sockets: LiveSockets;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuse new connections, let in-flight updates commit, tell subscribers
   * to reconnect, close sockets after the grace period, then close the database.
   */
  close(): Promise<void>;
}

/** Wires config → storage → services → HTTP and WebSocket. Nothing here reads the environment. */
export async function createApp(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<App> {
  const services = await buildServices(config, logger);
  const { storage, live } = services;

  const extra: ExtraRoutes = {
    ...(await scoreboardPageRoutes(logger)),
    '/metrics': { GET: metricsRoute(services) },
  };
  const server = createServer({ keepAliveTimeout: 65_000 }, createHttpApp(services, extra));
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  const sockets = attachWebSockets(server, services, config.ws.maxBufferedBytes);

  let closing: Promise<void> | undefined;
  const close = async () => {
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    live.close();
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
    await storage.close();
  };
  return {
    services,
    server,
    sockets,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () => (closing ??= close()),
  };
}
