import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppServices } from './app-services.js';
import { Authenticator } from './auth/authenticator.js';
import { verificationKey } from './auth/jwt-keys.js';
import { createTokenVerifier } from './auth/jwt-verifier.js';
import type { Config } from './config/config.js';
import { createHttpApp, type ExtraRoutes } from './http/http-app.js';
import { LeaderboardService } from './leaderboard/leaderboard.service.js';
import { LiveLeaderboard } from './leaderboard/live-leaderboard.js';
import { createLogger, type Logger } from './observability/logger.js';
import { ScoreService } from './scores/score.service.js';
import { SecurityAudit } from './security/security-audit.js';
import { openStorage } from './storage/open-storage.js';
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
  const authenticator = new Authenticator(createTokenVerifier(verificationKey(config.jwt), config.jwt));
  const storage = await openStorage(config.databaseUrl);
  const leaderboard = new LeaderboardService(storage, config.leaderboardSize);
  await leaderboard.load();
  const live = new LiveLeaderboard(leaderboard);
  const audit = new SecurityAudit(storage, logger);
  const scores = new ScoreService({ storage, leaderboard, audit, rules: config.score });
  const services: AppServices = { config, logger, storage, authenticator, audit, scores, leaderboard, live };

  const extra: ExtraRoutes = { ...(await scoreboardPageRoutes(logger)) };
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
