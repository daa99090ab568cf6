import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config/config.js';
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
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: './data/scoreboard.db',
      dataDir: './data',
      jwt: { secret: undefined, publicKey: undefined, issuer: undefined, audience: undefined },
      score: { max: 1_000_000_000, maxGain: 1000, decrease: 'never' },
      rateLimit: { userPerMin: 60, ipPerMin: 600 },
      leaderboardSize: 10,
      logLevel: 'info',
      redisUrl: undefined,
      metricsToken: undefined,
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
      JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: 'issuer',
      JWT_AUDIENCE: 'audience',
      SCORE_MAX: '5000',
      SCORE_MAX_GAIN: '50',
      SCORE_ALLOW_DECREASE: 'service',
      RATE_LIMIT_USER_PER_MIN: '5',
      RATE_LIMIT_IP_PER_MIN: '50',
      LEADERBOARD_SIZE: '25',
      LOG_LEVEL: 'warn',
      REDIS_URL: 'redis://cache:6379',
      METRICS_TOKEN: 'metrics',
    });
    expect(config).toEqual({
      env: 'production',
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: '/var/lib/scoreboard/scores.db',
      dataDir: '/var/lib/scoreboard',
      jwt: { secret: TEST_SECRET, publicKey: undefined, issuer: 'issuer', audience: 'audience' },
      score: { max: 5000, maxGain: 50, decrease: 'service' },
      rateLimit: { userPerMin: 5, ipPerMin: 50 },
      leaderboardSize: 25,
      logLevel: 'warn',
      redisUrl: 'redis://cache:6379',
      metricsToken: 'metrics',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT expects an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT expects an integer from 0 to 65535'],
    [{ SCORE_MAX: '-1' }, 'Invalid configuration: SCORE_MAX expects an integer from 1 to 9007199254740991'],
    [{ SCORE_MAX: '1.5' }, 'Invalid configuration: SCORE_MAX expects an integer from 1 to 9007199254740991'],
    [{ SCORE_ALLOW_DECREASE: 'maybe' }, 'Invalid configuration: SCORE_ALLOW_DECREASE expects true, false or service'],
    [
      { LOG_LEVEL: 'verbose' },
      'Invalid configuration: LOG_LEVEL expects one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ JWT_SECRET: 'too-short' }, 'Invalid configuration: JWT_SECRET expects at least 32 characters'],
    [
      { NODE_ENV: 'production' },
      'Invalid configuration: JWT_SECRET expects a secret of at least 32 characters (or set JWT_PUBLIC_KEY) when NODE_ENV=production',
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const error = configErrorFor(env);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
    const variable = Object.keys(env)[0] === 'NODE_ENV' ? 'JWT_SECRET' : Object.keys(env)[0]!;
    expect(error.message).toContain(variable);
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
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'Invalid configuration: JWT_SECRET expects a secret of at least 32 characters (or set JWT_PUBLIC_KEY) when NODE_ENV=production',
    ]);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
    expect(existsSync(join(dir, 'scoreboard.db'))).toBe(false);
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
    expect(result).toEqual({ config, created: false });
    expect(existsSync(secretFile())).toBe(false);
  });
});
