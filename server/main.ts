import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, createHttpServer, listen } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { sqliteFileOf } from './config/database-url.js';
import { mintCommand, withDevelopmentSecret } from './config/dev-secret.js';
import { createLogger } from './observability/logger.js';
import { settleHeapAfterStart } from './observability/heap-settings.js';
import { lockDatabaseFile, type DatabaseFileLock } from './storage/sqlite/sqlite-file-lock.js';

/** The package folder, where `npm run token` runs. */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Stops the start with one line on stderr, and a non-zero exit. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function describe(error: unknown, config?: Config): string {
  // A configuration error already names its variable in one line.
  if (error instanceof ConfigError) return error.message;
  return `Scoreboard could not start: ${cause(error, config)}`;
}

function cause(error: unknown, config?: Config): string {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EADDRINUSE' && config) {
    return `port ${config.port} on ${config.host} is already in use (set PORT to another port)`;
  }
  if (err?.code === 'EACCES' && err.syscall === 'listen' && config) {
    return `no permission to listen on port ${config.port} on ${config.host} (set PORT above 1023)`;
  }
  if ((err?.code === 'EADDRNOTAVAIL' || err?.code === 'ENOTFOUND') && config) {
    return `cannot listen on ${config.host}: no such address on this machine (set HOST)`;
  }
  return String(err?.message ?? error).split('\n')[0]!;
}

/**
 * The process: read the configuration, bind the port, and only then write anything (the
 * development secret, the database). Any failure on the way is one line and exit code 1.
 * While the services load, the bound port answers 503.
 */
async function start(): Promise<void> {
  // A signal while starting ends the start with a line, not silently (the app's graceful
  // shutdown takes over once the app is built).
  const stopWhileStarting = (signal: NodeJS.Signals) =>
    fail(`Scoreboard stopped by ${signal} while starting`);
  process.on('SIGTERM', stopWhileStarting);
  process.on('SIGINT', stopWhileStarting);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    fail(describe(error));
  }
  const server: Server = createHttpServer();
  const starting = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
    res.end(JSON.stringify({ status: 'error', message: 'Scoreboard is starting' }));
  };
  server.on('request', starting);
  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (error) {
    fail(describe(error, config));
  }
  let app;
  let secret;
  let lock: DatabaseFileLock | undefined;
  try {
    // One process at a time on a SQLite file: the board lives in this process's memory, so a
    // second server or a seed writing the file behind its back would never be seen.
    const file = sqliteFileOf(config.databaseUrl);
    lock = file === undefined ? undefined : lockDatabaseFile(file);
    secret = withDevelopmentSecret(config);
    config = secret.config;
    app = await createApp(config, createLogger(config.logLevel), server);
    settleHeapAfterStart();
    server.off('request', starting);
  } catch (error) {
    fail(describe(error, config));
  }
  const logger = app.services.logger;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => {
        lock?.release();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.off('SIGTERM', stopWhileStarting);
  process.off('SIGINT', stopWhileStarting);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // Said only once a signal is sure to stop it gracefully.
  logger.info({ port, host: config.host, database: config.databaseUrl }, 'Scoreboard is listening');
  const secretFile = secret.file;
  if (secretFile) {
    // For people, on stderr: stdout carries only JSON log lines.
    const where = secret.created ? 'generated a development JWT secret:' : 'the development JWT secret is';
    const mint = (args: string) => mintCommand(config, secretFile, PACKAGE_ROOT, args);
    process.stderr.write(
      `\nScoreboard: http://${config.host}:${port}  (${where} ${resolve(secretFile)})\n` +
        `Mint a token:  ${mint('alice')}\n` +
        `For a game server (any user's score):  ${mint('game-server --role service')}\n\n`,
    );
  }
}

await start();
