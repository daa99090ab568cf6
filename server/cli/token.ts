import { createPrivateKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verificationKey } from '../auth/jwt-keys.js';
import { signToken } from '../auth/token-signer.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { withDevelopmentSecret } from '../config/dev-secret.js';

const USAGE = `Usage: npm run token -- <user> [--role service] [--role admin] [--ttl 1h] [--key private.pem]
Prints a JWT for <user> signed with the server's configured key.
  --role   add a role (repeatable): service may update any user's score, admin reads the audit trail
  --ttl    lifetime: seconds, or 30m, 1h, 7d (default 1h)
  --key    PEM private key, when the server verifies with JWT_PUBLIC_KEY`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
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

try {
  const { config } = withDevelopmentSecret(loadConfig());
  const { algorithm } = verificationKey(config.jwt);
  let signingKey;
  if (algorithm === 'HS256') signingKey = createSecretKey(Buffer.from(config.jwt.secret!, 'utf8'));
  else if (values.key) signingKey = createPrivateKey(readFileSync(values.key, 'utf8'));
  else fail(`The server verifies ${algorithm} tokens with JWT_PUBLIC_KEY: pass the private key with --key.`);
  const token = signToken(signingKey, algorithm, {
    subject,
    roles: values.role ?? [],
    ttl: /^\d+$/.test(ttl) ? Number(ttl) : ttl,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
