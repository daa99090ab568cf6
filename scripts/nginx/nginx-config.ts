import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BODY_LIMIT_BYTES, BODY_TOO_LARGE } from '../../server/domain/refusal.js';
import { withoutEmptyValues } from '../../server/config/empty-values.js';
import type { ErrorBody } from '../../shared/response-schemas.js';
import { REPO_ROOT } from '../local/server-process.js';

const TEMPLATE_NAME = 'deploy/nginx/scoreboard.conf.template';
/** The one nginx configuration: deployed, benchmarked and tested. */
export const NGINX_TEMPLATE = join(REPO_ROOT, TEMPLATE_NAME);

/** A value nginx reads as one word or a few: nothing that could end a directive or open a block. */
const word = (what: string) =>
  z.string().regex(/^[\w./:[\]=@+-]+( [\w./:[\]=@+-]+)*$/, { error: `expects ${what}` });
const path = z.string().regex(/^\/[\w./@+-]*$/, { error: 'expects an absolute path' });

/**
 * The template's variables, read from the environment like envsubst: each unset or empty one
 * takes its default (a Debian nginx serving the instances on this host, on port 80).
 */
const variables = z.object({
  SCOREBOARD_LISTEN: z
    .string()
    .regex(/^((\*|[\w.-]+|\[[\da-fA-F:.]+\]):)?\d{1,5}( [a-z_]+(=[\w.:-]+)?)*$/, {
      error: 'expects a listen address like 80, 127.0.0.1:8080 or "443 ssl"',
    })
    .optional(),
  SCOREBOARD_UPSTREAMS: z
    .string()
    .default('127.0.0.1:3000')
    .transform((list) => list.split(',').map((entry) => entry.trim()))
    .pipe(
      z
        .array(z.string().regex(/^([\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}$/, { error: 'expects host:port,...' }))
        .min(1),
    ),
  SCOREBOARD_TLS_CERTIFICATE: path.optional(),
  SCOREBOARD_TLS_KEY: path.optional(),
  NGINX_USER: word('a user name').default('www-data'),
  NGINX_WORKER_PROCESSES: z
    .string()
    .regex(/^(auto|[1-9]\d*)$/, { error: 'expects auto or a count' })
    .default('auto'),
  NGINX_PID: path.default('/run/nginx.pid'),
  NGINX_ERROR_LOG: path.default('/var/log/nginx/error.log'),
  NGINX_ACCESS_LOG: z
    .union([path, z.literal('off')], { error: 'expects an absolute path or off' })
    .default('/var/log/nginx/access.log'),
  NGINX_TEMP_DIR: path.default('/var/lib/nginx'),
});

/** The template's variables by name, as the environment gives them. */
export type NginxVariables = Partial<Record<keyof z.input<typeof variables>, string>>;

/** A variable that cannot be rendered; the message is one line naming it. */
export class NginxConfigError extends Error {
  override name = 'NginxConfigError';
}

/**
 * nginx's `client_max_body_size`: a little over the server's limit, so that the server answers
 * bodies just over it (after the token check, as without nginx) and nginx the larger ones.
 */
const NGINX_BODY_LIMIT_BYTES = BODY_LIMIT_BYTES + 1024;

/** TLS 1.2 ciphers of Mozilla's intermediate configuration (TLS 1.3's are all fine). */
const INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

/** `text` as one quoted nginx string, in which nothing is a variable or an escape. */
function nginxString(text: string): string {
  if (/['\\$]/.test(text)) throw new NginxConfigError(`${text} cannot be an nginx string as it is`);
  return `'${text}'`;
}

/** The server's answer to a body over its limit, as nginx returns it for a larger one. */
const BODY_TOO_LARGE_BODY = JSON.stringify({
  status: 'error',
  message: BODY_TOO_LARGE.message,
} satisfies ErrorBody);

/** What each `${NAME}` of the template becomes (lines; none drops the line). */
function placeholders(vars: NginxVariables): Map<string, string[]> {
  const parsed = variables.safeParse(withoutEmptyValues(vars));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new NginxConfigError(`Invalid nginx configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const v = parsed.data;
  if ((v.SCOREBOARD_TLS_CERTIFICATE === undefined) !== (v.SCOREBOARD_TLS_KEY === undefined))
    throw new NginxConfigError(
      'Invalid nginx configuration: SCOREBOARD_TLS_CERTIFICATE and SCOREBOARD_TLS_KEY go together',
    );
  const tls = v.SCOREBOARD_TLS_CERTIFICATE
    ? [
        `ssl_certificate ${v.SCOREBOARD_TLS_CERTIFICATE};`,
        `ssl_certificate_key ${v.SCOREBOARD_TLS_KEY};`,
        // Mozilla's "intermediate" configuration: forward secrecy and AEAD ciphers only.
        'ssl_protocols TLSv1.2 TLSv1.3;',
        `ssl_ciphers ${INTERMEDIATE_CIPHERS};`,
        'ssl_prefer_server_ciphers off;',
        'ssl_session_cache shared:scoreboard_tls:10m;',
        'ssl_session_timeout 1d;',
        'ssl_session_tickets off;',
      ]
    : [];
  if (tls.length > 0 && v.SCOREBOARD_LISTEN !== undefined && !/ ssl( |$)/.test(v.SCOREBOARD_LISTEN))
    throw new NginxConfigError(
      `Invalid nginx configuration: SCOREBOARD_LISTEN "${v.SCOREBOARD_LISTEN}" lacks "ssl", so the certificate would not be used (e.g. "443 ssl")`,
    );
  return new Map([
    ['SCOREBOARD_LISTEN', [v.SCOREBOARD_LISTEN ?? (tls.length > 0 ? '443 ssl' : '80')]],
    ['SCOREBOARD_UPSTREAMS', v.SCOREBOARD_UPSTREAMS.map((address) => `server ${address};`)],
    ['SCOREBOARD_TLS', tls],
    ['NGINX_USER', [v.NGINX_USER]],
    ['NGINX_WORKER_PROCESSES', [v.NGINX_WORKER_PROCESSES]],
    ['NGINX_PID', [v.NGINX_PID]],
    ['NGINX_ERROR_LOG', [v.NGINX_ERROR_LOG]],
    ['NGINX_ACCESS_LOG', [v.NGINX_ACCESS_LOG]],
    ['NGINX_TEMP_DIR', [v.NGINX_TEMP_DIR]],
    ['SERVER_BODY_LIMIT_AND_SOME', [String(NGINX_BODY_LIMIT_BYTES)]],
    ['SERVER_BODY_TOO_LARGE', [nginxString(BODY_TOO_LARGE_BODY)]],
  ]);
}

/**
 * deploy/nginx/scoreboard.conf.template with every `${NAME}` filled from `vars` (or its default).
 * A placeholder alone on its line gives a line per value at that indentation, or none.
 */
export function renderNginxConfig(vars: NginxVariables): string {
  const values = placeholders(vars);
  const valueOf = (name: string) => {
    const value = values.get(name);
    if (value === undefined)
      throw new NginxConfigError(`${NGINX_TEMPLATE} names an unknown variable ${name}`);
    return value;
  };
  const lines = readFileSync(NGINX_TEMPLATE, 'utf8').split('\n');
  return [
    `# Rendered from ${TEMPLATE_NAME} by npm run nginx-config: change the template, not this file.`,
    ...lines,
  ]
    .flatMap((line) => {
      const alone = /^(\s*)\$\{(\w+)\}$/.exec(line);
      if (alone) return valueOf(alone[2]!).map((value) => `${alone[1]}${value}`);
      return [line.replace(/\$\{(\w+)\}/g, (_, name: string) => valueOf(name).join(' '))];
    })
    .join('\n');
}
