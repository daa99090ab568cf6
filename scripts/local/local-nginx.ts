import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { renderNginxConfig } from '../nginx/nginx-config.js';
import { holdUntilReleased } from './cleanup-registry.js';
import { freePort } from './ports.js';

/** How nginx ended: its exit code or signal, and what it said on stderr and in its error log. */
export interface NginxEnd {
  /** `exit code 1`, `SIGKILL`. */
  readonly how: string;
  /** Its error lines, each once and without the time stamp (`[emerg] bind() to ... failed`). */
  readonly errors: readonly string[];
}

/** nginx in front of local instances, running the deployed configuration. */
export interface LocalNginx {
  readonly pid: number;
  readonly url: string;
  /** Its configuration file, as rendered. */
  readonly configFile: string;
  /** Resolves once the nginx process has exited (stopped, or on its own). */
  readonly ended: Promise<NginxEnd>;
  /** Stops it (SIGTERM) and removes its folder (once; later calls wait for the first). */
  stop(): Promise<void>;
}

/** How long nginx may take to answer through to an instance on a loaded machine. */
const READY_TIMEOUT_MS = 30_000;

/** `nginx` on PATH, or Debian's, whose /usr/sbin is not on a user's PATH. */
const nginxCommand = () => (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/**
 * nginx's error lines from its stderr (`nginx: [emerg] ...`, while it starts) and its error log
 * (`2026/01/02 03:04:05 [emerg] 12#12: ...`, once it runs), each once, in order.
 */
function errorLines(stderr: string, errorLog: string): string[] {
  const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
  const lines = `${stderr}\n${log}`
    .split('\n')
    .map((line) =>
      line
        .replace(/^nginx: /, '')
        .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: (\*\d+ )?/, '$1 ')
        .trim(),
    )
    .filter(Boolean);
  return [...new Set(lines)];
}

/**
 * Runs nginx with deploy/nginx/scoreboard.conf.template rendered for a temporary folder (its pid,
 * logs and temporary files; one worker, as this user) in front of the instances on
 * `upstreamPorts` of 127.0.0.1; listens on `port` (a free one by default) of `host`. Resolves
 * once `/healthz` answers 200 through it. `ownProcessGroup`: a Ctrl-C meant for its starter
 * does not reach it. Stopped when what is left is released, at the latest.
 */
export async function startLocalNginx({
  upstreamPorts,
  host = '127.0.0.1',
  port,
  ownProcessGroup = false,
}: {
  upstreamPorts: readonly number[];
  host?: string;
  port?: number;
  ownProcessGroup?: boolean;
}): Promise<LocalNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-nginx-'));
  const configFile = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'logs/error.log');
  const pidFile = join(dir, 'nginx.pid');
  let authority: string;
  try {
    const listen = port ?? (await freePort());
    authority = host.includes(':') ? `[${host}]:${listen}` : `${host}:${listen}`;
    for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub));
    writeFileSync(
      configFile,
      renderNginxConfig({
        SCOREBOARD_LISTEN: authority,
        SCOREBOARD_UPSTREAMS: upstreamPorts.map((p) => `127.0.0.1:${p}`).join(','),
        NGINX_USER: userInfo().username,
        NGINX_WORKER_PROCESSES: '1',
        NGINX_PID: pidFile,
        NGINX_ERROR_LOG: errorLog,
        NGINX_ACCESS_LOG: 'off',
        NGINX_TEMP_DIR: join(dir, 'tmp'),
      }),
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const child = spawn(nginxCommand(), ['-p', dir, '-e', errorLog, '-c', configFile, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: ownProcessGroup,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Read when it ends, before stop() removes the folder with the log.
  const ended = new Promise<NginxEnd>((resolve) => {
    child.once('exit', (code, signal) =>
      resolve({ how: signal ?? `exit code ${code}`, errors: errorLines(stderr, errorLog) }),
    );
    // No nginx to run: no 'exit' comes.
    child.once('error', (error) => resolve({ how: 'not started', errors: [String(error)] }));
  });
  const stop = holdUntilReleased(async () => {
    child.kill('SIGTERM'); // a no-op once it has exited
    await ended;
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://${authority}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: NginxEnd | undefined;
  void ended.then((end) => (exited = end));
  for (;;) {
    const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then(async (res) => (await res.arrayBuffer(), res.status))
      .catch(() => 0);
    // nginx writes its pid file once it has bound its port: before that, a 200 is another
    // server's on the same port (nginx then retries its bind for 2.5 s, and exits).
    if (status === 200 && existsSync(pidFile) && exited === undefined) break;
    if (exited !== undefined || Date.now() > deadline) {
      const errors = exited?.errors ?? errorLines(stderr, errorLog);
      const what = exited
        ? `did not start (${exited.how})`
        : `did not answer /healthz in ${READY_TIMEOUT_MS} ms`;
      await stop();
      throw new Error(`nginx ${what}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { pid: child.pid!, url, configFile, ended, stop };
}
