import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../server/config/config.js';
import { withDevelopmentSecret } from '../../server/config/dev-secret.js';
import { runServerToExit } from '../helpers/child-server.js';
import { TEST_SECRET } from '../helpers/tokens.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The ConfigError that loadConfig throws for `env`. */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', SCORE_MAX_GAIN: ' ' }).port).toBe(3000);
  });

  it('reads exactly the variables of the table in docs/configuration.md (and one earlier name)', () => {
    const page = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const section = page.split(/^## /m).find((part) => part.startsWith('Environment variables')) ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1]);
    // WS_ALLOWED_ORIGINS is documented in ALLOWED_ORIGINS's row, as its earlier name.
    expect(section).toContain('`WS_ALLOWED_ORIGINS`, its earlier name, is still read');
    expect([...documented, 'WS_ALLOWED_ORIGINS'].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  /** The configuration that `env` gives, or the one line that refuses it. */
  const outcomeOf = (env: Record<string, string>) => {
    try {
      return loadConfig(env);
    } catch (error) {
      return (error as Error).message;
    }
  };
  // Generated from the schema's keys, so a variable added later is covered too.
  it.each(CONFIG_VARIABLES.flatMap((name) => [`${name}=`, `${name}=' '`]))(
    'treats %s as unset',
    (setting) => {
      const [name = '', quoted = ''] = setting.split('=');
      const value = quoted.replaceAll("'", '');
      for (const base of [{}, { NODE_ENV: 'production', JWT_SECRET: TEST_SECRET }]) {
        const unset = Object.fromEntries(Object.entries(base).filter(([key]) => key !== name));
        expect(outcomeOf({ ...unset, [name]: value })).toEqual(outcomeOf(unset));
      }
    },
  );

  it('defaults SCORE_MAX_GAIN to SCORE_MAX when SCORE_MAX is below 1000', () => {
    expect(loadConfig({ SCORE_MAX: '500' }).score).toEqual({ max: 500, maxGain: 500, decrease: 'never' });
  });

  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: './data/scoreboard.db',
      dbSynchronous: 'full',
      dataDir: './data',
      jwt: { secret: undefined, publicKey: undefined, issuer: undefined, audience: undefined },
      score: { max: 1_000_000_000, maxGain: 1000, decrease: 'never' },
      rateLimit: { userPerMin: 60, ipPerMin: 600, authFailuresPerMin: 10, readsPerMin: 1200 },
      flags: { threshold: 20, windowSeconds: 600 },
      leaderboardSize: 10,
      rankMarkSpacing: 1000,
      logLevel: 'info',
      redisUrl: undefined,
      redisPrefix: 'scoreboard:',
      redisBreaker: { failures: 3, coolDownMs: 5000 },
      metricsToken: undefined,
      allowedOrigins: [],
      trustProxy: [],
      trpcMaxBatch: 10,
      securityEventsRetentionDays: 30,
      ws: {
        maxBufferedBytes: 1024 * 1024,
        maxConnections: 20_000,
        maxConnectionsPerIp: 2000,
        maxSubscriptions: 16,
        maxMessagesPerSecond: 100,
      },
      shutdownGraceMs: 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: '/var/lib/scoreboard/scores.db',
      DB_SYNCHRONOUS: 'normal',
      JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: 'issuer',
      JWT_AUDIENCE: 'audience',
      SCORE_MAX: '5000',
      SCORE_MAX_GAIN: '50',
      SCORE_ALLOW_DECREASE: 'service',
      RATE_LIMIT_USER_PER_MIN: '5',
      RATE_LIMIT_IP_PER_MIN: '50',
      RATE_LIMIT_AUTH_FAILURES_PER_MIN: '3',
      FLAG_THRESHOLD: '7',
      FLAG_WINDOW_SECONDS: '120',
      LEADERBOARD_SIZE: '25',
      RANK_MARK_SPACING: '50',
      LOG_LEVEL: 'warn',
      REDIS_URL: 'redis://cache:6379',
      REDIS_PREFIX: 'game-a:',
      REDIS_BREAKER_FAILURES: '5',
      REDIS_BREAKER_COOLDOWN_MS: '2000',
      METRICS_TOKEN: 'metrics',
      RATE_LIMIT_READS_PER_MIN: '30',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,fd00::/8',
      TRPC_MAX_BATCH: '4',
      SECURITY_EVENTS_RETENTION_DAYS: '7',
      WS_MAX_BUFFERED_BYTES: '65536',
      WS_MAX_CONNECTIONS: '100',
      WS_MAX_CONNECTIONS_PER_IP: '10',
      WS_MAX_SUBSCRIPTIONS: '3',
      WS_MAX_MESSAGES_PER_SECOND: '20',
      SHUTDOWN_GRACE_MS: '250',
    });
    expect(config).toEqual({
      env: 'production',
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: '/var/lib/scoreboard/scores.db',
      dbSynchronous: 'normal',
      dataDir: '/var/lib/scoreboard',
      jwt: { secret: TEST_SECRET, publicKey: undefined, issuer: 'issuer', audience: 'audience' },
      score: { max: 5000, maxGain: 50, decrease: 'service' },
      rateLimit: { userPerMin: 5, ipPerMin: 50, authFailuresPerMin: 3, readsPerMin: 30 },
      flags: { threshold: 7, windowSeconds: 120 },
      leaderboardSize: 25,
      rankMarkSpacing: 50,
      logLevel: 'warn',
      redisUrl: 'redis://cache:6379',
      redisPrefix: 'game-a:',
      redisBreaker: { failures: 5, coolDownMs: 2000 },
      metricsToken: 'metrics',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      trustProxy: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'],
      trpcMaxBatch: 4,
      securityEventsRetentionDays: 7,
      ws: {
        maxBufferedBytes: 65536,
        maxConnections: 100,
        maxConnectionsPerIp: 10,
        maxSubscriptions: 3,
        maxMessagesPerSecond: 20,
      },
      shutdownGraceMs: 250,
    });
  });

  const PRODUCTION_WITHOUT_SECRET =
    'Invalid configuration: JWT_SECRET expects a secret of at least 32 characters (or set JWT_PUBLIC_KEY) when NODE_ENV=production';
  it.each([
    {
      setting: 'PORT=abc',
      variable: 'PORT',
      message: 'Invalid configuration: PORT expects an integer from 0 to 65535',
    },
    {
      setting: 'PORT=70000',
      variable: 'PORT',
      message: 'Invalid configuration: PORT expects an integer from 0 to 65535',
    },
    {
      setting: 'SCORE_MAX=-1',
      variable: 'SCORE_MAX',
      message: 'Invalid configuration: SCORE_MAX expects an integer from 1 to 9007199254740991',
    },
    {
      setting: 'SCORE_MAX=1.5',
      variable: 'SCORE_MAX',
      message: 'Invalid configuration: SCORE_MAX expects an integer from 1 to 9007199254740991',
    },
    {
      setting: 'SCORE_ALLOW_DECREASE=maybe',
      variable: 'SCORE_ALLOW_DECREASE',
      message: 'Invalid configuration: SCORE_ALLOW_DECREASE expects true, false or service',
    },
    {
      setting: 'LOG_LEVEL=verbose',
      variable: 'LOG_LEVEL',
      message:
        'Invalid configuration: LOG_LEVEL expects one of fatal, error, warn, info, debug, trace, silent',
    },
    {
      setting: 'JWT_SECRET=too-short',
      variable: 'JWT_SECRET',
      message: 'Invalid configuration: JWT_SECRET expects at least 32 characters',
    },
    { setting: 'NODE_ENV=production', variable: 'JWT_SECRET', message: PRODUCTION_WITHOUT_SECRET },
    {
      setting: 'NODE_ENV=staging',
      variable: 'NODE_ENV',
      message: 'Invalid configuration: NODE_ENV expects development, production or test',
    },
    {
      setting: 'PORT=1e3',
      variable: 'PORT',
      message: 'Invalid configuration: PORT expects an integer from 0 to 65535',
    },
    {
      setting: 'TRUST_PROXY=10.0.0.0/33',
      variable: 'TRUST_PROXY',
      message:
        'Invalid configuration: TRUST_PROXY expects comma-separated IP addresses or CIDRs, e.g. 10.0.0.0/8,::1',
    },
    {
      setting: 'TRUST_PROXY=proxy.internal',
      variable: 'TRUST_PROXY',
      message:
        'Invalid configuration: TRUST_PROXY expects comma-separated IP addresses or CIDRs, e.g. 10.0.0.0/8,::1',
    },
    {
      setting: 'REDIS_BREAKER_COOLDOWN_MS=50',
      variable: 'REDIS_BREAKER_COOLDOWN_MS',
      message: 'Invalid configuration: REDIS_BREAKER_COOLDOWN_MS expects an integer from 100 to 600000',
    },
    {
      setting: 'TRPC_MAX_BATCH=0',
      variable: 'TRPC_MAX_BATCH',
      message: 'Invalid configuration: TRPC_MAX_BATCH expects an integer from 1 to 100',
    },
    {
      setting: 'ALLOWED_ORIGINS=evil',
      variable: 'ALLOWED_ORIGINS',
      message:
        'Invalid configuration: ALLOWED_ORIGINS expects a comma-separated list of origins like https://example.com, or *',
    },
    {
      setting: 'WS_ALLOWED_ORIGINS=evil',
      variable: 'WS_ALLOWED_ORIGINS',
      message:
        'Invalid configuration: WS_ALLOWED_ORIGINS expects a comma-separated list of origins like https://example.com, or *',
    },
  ])('refuses $setting with one line naming $variable', ({ setting, variable, message }) => {
    const [name, value] = setting.split('=') as [string, string];
    const error = configErrorFor({ [name]: value });
    expect(error.message).toBe(message);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });
});

describe('server start-up with a bad configuration', () => {
  it('exits non-zero with exactly one stderr line naming PORT when PORT is not a number', () => {
    const result = runServerToExit(dir, { PORT: 'abc' });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect(result.stderr).toBe('Invalid configuration: PORT expects an integer from 0 to 65535\n');
    expect(existsSync(join(dir, 'scoreboard.db'))).toBe(false);
  });

  it('exits non-zero naming JWT_SECRET when NODE_ENV=production has no secret', () => {
    const result = runServerToExit(dir, { NODE_ENV: 'production', JWT_SECRET: undefined });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect(result.stderr).toContain('JWT_SECRET');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
    expect(existsSync(join(dir, 'scoreboard.db'))).toBe(false);
  });
});

describe('start-up failures a new user meets', () => {
  it('reads WS_ALLOWED_ORIGINS, the earlier name of ALLOWED_ORIGINS', () => {
    expect(loadConfig({ WS_ALLOWED_ORIGINS: 'https://a.example' }).allowedOrigins).toEqual([
      'https://a.example',
    ]);
    expect(
      loadConfig({ WS_ALLOWED_ORIGINS: 'https://a.example', ALLOWED_ORIGINS: 'https://b.example' })
        .allowedOrigins,
    ).toEqual(['https://b.example']);
  });

  it('exits with one line when the data folder cannot be created (under /proc), writing nothing', () => {
    const result = runServerToExit(dir, {
      DATABASE_URL: '/proc/scoreboard-x/db.sqlite',
      JWT_SECRET: undefined,
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'Scoreboard could not start: cannot create the folder /proc/scoreboard-x (ENOENT)\n',
    );
  });

  it('exits with one line when the port is taken, before it writes the secret or the database', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = runServerToExit(dir, { PORT: String(port), JWT_SECRET: undefined });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `Scoreboard could not start: port ${port} on 127.0.0.1 is already in use (set PORT to another port)\n`,
      );
      expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
      expect(existsSync(join(dir, 'scoreboard.db'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('development JWT secret', () => {
  const developmentConfig = () =>
    loadConfig({ NODE_ENV: 'development', DATABASE_URL: join(dir, 'data', 'scoreboard.db') });
  const secretFile = () => join(dir, 'data', 'jwt-secret');

  it('generates a secret in the data folder that only its owner can read', () => {
    const { config, created } = withDevelopmentSecret(developmentConfig());
    expect(created).toBe(true);
    expect(config.jwt.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(secretFile(), 'utf8')).toBe(`${config.jwt.secret}\n`);
    expect(statSync(secretFile()).mode & 0o777).toBe(0o600);
  });

  it('reuses the stored secret on the next start', () => {
    const first = withDevelopmentSecret(developmentConfig());
    const second = withDevelopmentSecret(developmentConfig());
    expect(second.created).toBe(false);
    expect(second.config.jwt.secret).toBe(first.config.jwt.secret);
    expect(readFileSync(secretFile(), 'utf8')).toBe(`${first.config.jwt.secret}\n`);
  });

  it('keeps a configured JWT_SECRET and writes no file', () => {
    const config = loadConfig({
      NODE_ENV: 'development',
      DATABASE_URL: join(dir, 'data', 'scoreboard.db'),
      JWT_SECRET: TEST_SECRET,
    });
    const result = withDevelopmentSecret(config);
    expect(result).toEqual({ config, created: false, fromDataDir: false });
    expect(existsSync(secretFile())).toBe(false);
  });
});

describe('the board file (BOARDS_FILE)', () => {
  const boardsFile = (boards: unknown[]) => {
    const path = join(dir, 'boards.json');
    writeFileSync(path, JSON.stringify({ boards }));
    return path;
  };

  it('is read and checked with the configuration', () => {
    const path = boardsFile([{ id: 'global', windows: [{ kind: 'week', zone: 'UTC' }] }, { id: 'daily' }]);
    const config = loadConfig({ BOARDS_FILE: path });
    expect(config.boards?.source).toBe(path);
    expect(config.boards?.global?.windows).toEqual([{ kind: 'week', zone: 'UTC', week_starts_on: 1 }]);
    expect(config.boards?.boards.map((b) => b.id)).toEqual(['daily']);
    expect(loadConfig({}).boards).toBeUndefined();
  });

  it('stops the start with one line naming the file, the board and the field', () => {
    const path = boardsFile([
      { id: 'daily', windows: [{ kind: 'all' }, { kind: 'day', zone: 'Europe/Berln' }] },
    ]);
    const line = `BOARDS_FILE ${path}: board "daily" windows[1].zone: "Europe/Berln" is not an IANA time zone, e.g. "Europe/Berlin"`;
    expect(configErrorFor({ BOARDS_FILE: path }).message).toBe(line);
    const result = runServerToExit(dir, { BOARDS_FILE: path });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${line}\n`);
    expect(existsSync(join(dir, 'scoreboard.db'))).toBe(false);
  });
});
