import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { withDevelopmentSecret } from './config/dev-secret.js';
import { createLogger } from './observability/logger.js';

function startupConfig(): { config: Config; createdSecret: boolean; devSecret: boolean } {
  try {
    const { config, created, fromDataDir } = withDevelopmentSecret(loadConfig());
    return { config, createdSecret: created, devSecret: fromDataDir };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const { config, createdSecret, devSecret } = startupConfig();
const logger = createLogger(config.logLevel);
let app;
try {
  app = await createApp(config, logger);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
const port = await app.listen();
logger.info({ port, host: config.host, database: config.databaseUrl }, 'Scoreboard is listening');
if (devSecret) {
  // For people, on stderr: stdout carries only JSON log lines.
  const where = createdSecret
    ? 'generated a development JWT secret in'
    : 'using the development JWT secret in';
  process.stderr.write(
    `\nScoreboard: http://${config.host}:${port}  (${where} ${config.dataDir})\n` +
      `Mint a token:  npm run token -- alice            (or: npm run token -- game-server --role service)\n\n`,
  );
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
