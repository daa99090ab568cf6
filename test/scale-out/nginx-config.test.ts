import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderNginxConfig, type NginxVariables } from '../../scripts/nginx/nginx-config.js';
import { REPO_ROOT } from '../../scripts/local/server-process.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The variables that put nginx's own files in a temporary folder (as `npm run cluster` does). */
function localFiles(): NginxVariables {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-nginx-config-'));
  mkdirSync(join(dir, 'tmp'));
  return {
    NGINX_USER: userInfo().username,
    NGINX_PID: join(dir, 'nginx.pid'),
    NGINX_ERROR_LOG: join(dir, 'error.log'),
    NGINX_ACCESS_LOG: join(dir, 'access.log'),
    NGINX_TEMP_DIR: join(dir, 'tmp'),
  };
}

/** `nginx -t -c` on the rendered file: whether nginx takes it as a whole configuration. */
function nginxTest(config: string): { status: number | null; stderr: string } {
  const file = join(dir!, 'nginx.conf');
  writeFileSync(file, config);
  const result = spawnSync('/usr/sbin/nginx', ['-t', '-p', dir!, '-e', join(dir!, 'error.log'), '-c', file], {
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

/** The `directive ...;` lines of `config`, trimmed. */
const lines = (config: string, directive: string) =>
  config
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${directive} `) && line.endsWith(';'));

describe('the nginx configuration (deploy/nginx/scoreboard.conf.template)', () => {
  it('renders, without variables, a Debian host serving the systemd unit instance on port 80', () => {
    const config = renderNginxConfig({});
    expect(lines(config, 'server')).toEqual(['server 127.0.0.1:3000;']);
    expect(lines(config, 'listen')).toEqual(['listen 80;']);
    expect(lines(config, 'user')).toEqual(['user www-data;']);
    expect(lines(config, 'pid')).toEqual(['pid /run/nginx.pid;']);
    expect(lines(config, 'ssl_certificate')).toEqual([]);
    // The server's 16 KiB and a little more; larger bodies get the server's own 413 from nginx.
    expect(lines(config, 'client_max_body_size')).toEqual(['client_max_body_size 17408;']);
    expect(lines(config, 'return')).toEqual([
      `return 413 '{"status":"error","message":"Request body is larger than 16 KiB"}';`,
    ]);
    expect(config).not.toContain('${');
  });

  it('is a whole configuration that nginx -t accepts, with the upstreams and the address given', () => {
    const config = renderNginxConfig({
      ...localFiles(),
      SCOREBOARD_LISTEN: '127.0.0.1:18080',
      SCOREBOARD_UPSTREAMS: '10.0.0.11:3000, 10.0.0.12:3000,[fd00::13]:3000',
    });
    expect(lines(config, 'server')).toEqual([
      'server 10.0.0.11:3000;',
      'server 10.0.0.12:3000;',
      'server [fd00::13]:3000;',
    ]);
    expect(lines(config, 'listen')).toEqual(['listen 127.0.0.1:18080;']);
    const result = nginxTest(config);
    expect(result.stderr).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it('terminates TLS on 443 with the certificate given, and nginx -t loads it', () => {
    const files = localFiles();
    const certificate = join(dir!, 'cert.pem');
    const key = join(dir!, 'key.pem');
    const generated = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=scoreboard.test',
        '-keyout',
        key,
        '-out',
        certificate,
      ],
      { encoding: 'utf8' },
    );
    expect(generated.status, generated.stderr).toBe(0);
    const config = renderNginxConfig({
      ...files,
      SCOREBOARD_TLS_CERTIFICATE: certificate,
      SCOREBOARD_TLS_KEY: key,
    });
    expect(lines(config, 'listen')).toEqual(['listen 443 ssl;']);
    expect(lines(config, 'ssl_certificate')).toEqual([`ssl_certificate ${certificate};`]);
    expect(lines(config, 'ssl_certificate_key')).toEqual([`ssl_certificate_key ${key};`]);
    expect(lines(config, 'ssl_session_tickets')).toEqual(['ssl_session_tickets off;']);
    expect(lines(config, 'ssl_ciphers')[0]).toMatch(/^ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:[\w:-]+;$/);
    const result = nginxTest(config);
    expect(result.stderr).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it('refuses, in one line naming the variable, a value that would change the configuration', () => {
    expect(() => renderNginxConfig({ SCOREBOARD_UPSTREAMS: '127.0.0.1:3001; } server {' })).toThrow(
      'Invalid nginx configuration: SCOREBOARD_UPSTREAMS expects host:port,...',
    );
    expect(() => renderNginxConfig({ SCOREBOARD_LISTEN: '80; include /etc/passwd' })).toThrow(
      /^Invalid nginx configuration: SCOREBOARD_LISTEN expects a listen address/,
    );
    expect(() => renderNginxConfig({ NGINX_PID: 'nginx.pid' })).toThrow(
      'Invalid nginx configuration: NGINX_PID expects an absolute path',
    );
    expect(() =>
      renderNginxConfig({
        SCOREBOARD_TLS_CERTIFICATE: '/etc/ssl/cert.pem',
        SCOREBOARD_TLS_KEY: '/etc/ssl/key.pem',
        SCOREBOARD_LISTEN: '443',
      }),
    ).toThrow(
      'Invalid nginx configuration: SCOREBOARD_LISTEN "443" lacks "ssl", so the certificate would not be used',
    );
    expect(() => renderNginxConfig({ SCOREBOARD_TLS_CERTIFICATE: '/etc/ssl/cert.pem' })).toThrow(
      'Invalid nginx configuration: SCOREBOARD_TLS_CERTIFICATE and SCOREBOARD_TLS_KEY go together',
    );
  });

  it('npm run nginx-config prints it from the environment, or one line and exit code 2', () => {
    const env = { PATH: process.env.PATH ?? '', SCOREBOARD_UPSTREAMS: '10.0.0.11:3000,10.0.0.12:3000' };
    const npm = (extra: Record<string, string>) =>
      spawnSync('npm', ['run', '-s', 'nginx-config'], {
        cwd: REPO_ROOT,
        env: { ...env, ...extra },
        encoding: 'utf8',
      });
    const rendered = npm({});
    expect(rendered.status).toBe(0);
    expect(rendered.stdout).toBe(renderNginxConfig(env));
    const refused = npm({ SCOREBOARD_LISTEN: 'every port' });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^Invalid nginx configuration: SCOREBOARD_LISTEN expects [^\n]*\n$/);
  });

  it('npm run nginx-config -- --help prints the usage; a bad flag is one line, the usage and exit code 2', () => {
    const run = (...args: string[]) =>
      spawnSync('npm', ['run', '-s', 'nginx-config', '--', ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      });
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: npm run -s nginx-config \[-- --out FILE\]\n/);
    for (const [args, line] of [
      [['--out'], /^Option '--out <value>' argument missing\n/],
      [['--bogus'], /^Unknown option '--bogus'[^\n]*\n/],
      [['nginx.conf'], /^Unexpected argument 'nginx.conf'[^\n]*\n/],
    ] as const) {
      const refused = run(...args);
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(line);
      expect(refused.stderr.replace(line, '')).toBe(`\n${help.stdout}`);
    }
  });
});
