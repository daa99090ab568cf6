import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './child.js';
import { sleep } from './stats.js';

/** nginx in front of the instances, from the repository's deploy/nginx/scoreboard.conf. */
export interface Nginx {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

const SITE = 'deploy/nginx/scoreboard.conf';

/**
 * The deployed site with the two upstream ports and the listen address substituted: the
 * same file, so the benchmark measures what is deployed (keep-alive upstream and all).
 */
export function siteConfig(upstreamPorts: [number, number], listen: number): string {
  const site = readFileSync(join(REPO_ROOT, SITE), 'utf8')
    .replace('server 127.0.0.1:3001;', `server 127.0.0.1:${upstreamPorts[0]};`)
    .replace('server 127.0.0.1:3002;', `server 127.0.0.1:${upstreamPorts[1]};`)
    .replace('listen 8080;', `listen 127.0.0.1:${listen};`);
  if (/:300[12];|listen 8080;/.test(site))
    throw new Error(`${SITE} changed: its ports could not be substituted`);
  return site;
}

/**
 * Runs nginx (one worker, as root when we are root) in a temporary prefix with the site of
 * deploy/nginx/scoreboard.conf pointed at `upstreamPorts`; resolves once it answers /healthz.
 */
export async function startNginx(upstreamPorts: [number, number]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-bench-nginx-'));
  const listen = await freePort();
  writeFileSync(join(dir, 'scoreboard.conf'), siteConfig(upstreamPorts, listen));
  for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/scoreboard.conf;
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => (stderr += String(error)));
  const url = `http://127.0.0.1:${listen}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 10_000;
  for (;;) {
    const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
      .then(async (res) => (await res.arrayBuffer(), res.status))
      .catch(() => 0);
    if (status === 200) break;
    if (child.exitCode !== null || performance.now() > deadline) {
      const log = (() => {
        try {
          return readFileSync(join(dir, 'logs/error.log'), 'utf8');
        } catch {
          return '';
        }
      })();
      await stop();
      throw new Error(`nginx did not answer /healthz (exit code ${child.exitCode}):\n${stderr}${log}`);
    }
    await sleep(50);
  }
  return { pid: child.pid!, url, stop };
}
