import { parseArgs } from 'node:util';
import { ROLES } from '../auth/principal.js';
import { signToken } from '../auth/token-signer.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { configuredSigningKey, signingKeyFromFile, SigningKeyError } from './token-signing-key.js';

const USAGE = `Usage: npm run token -- <user> [--role service] [--role admin] [--ttl 1h] [--key private.pem]
Prints a JWT for <user> signed with the server's configured key.
  --role   add a role (repeatable): service may update any user's score, admin reads the audit trail
  --ttl    lifetime: seconds, or 30m, 1h, 7d (default 1h)
  --key    PEM private key (RSA: RS256, P-256 EC: ES256) whose public key is JWT_PUBLIC_KEY
Reads the server's environment (JWT_SECRET or JWT_PUBLIC_KEY, JWT_ISSUER, JWT_AUDIENCE).`;

/** A mistake in the command line: the reason, then the usage. */
function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

/** One line and an exit code: 1 for a bad configuration, 2 for a key that does not fit it. */
function stop(message: string, code: 1 | 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '1h' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const [subject, ...extra] = positionals;
if (!subject || extra.length > 0) fail('Name exactly one user.');
const ttl = values.ttl ?? '1h';
if (!/^\d+$/.test(ttl) && !/^\d+(ms|s|m|h|d|w|y)$/.test(ttl))
  fail(`--ttl ${ttl} is not a duration like 3600, 30m or 1h.`);
const roles = values.role ?? [];
for (const role of roles) {
  if (!ROLES.includes(role)) fail(`--role ${role} is not a role; the roles are ${ROLES.join(', ')}.`);
}

try {
  const config = loadConfig();
  const { key, algorithm } = values.key
    ? signingKeyFromFile(values.key, config.jwt)
    : configuredSigningKey(config);
  const token = signToken(key, algorithm, {
    subject,
    roles,
    ttl: /^\d+$/.test(ttl) ? Number(ttl) : ttl,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  if (error instanceof ConfigError) stop(error.message, 1);
  if (error instanceof SigningKeyError) stop(error.message, 2);
  throw error;
}
