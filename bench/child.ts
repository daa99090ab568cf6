import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FirstOutcome } from '../scripts/local/first-outcome.js';
import { sleep } from './stats.js';

/** The repository root: children run from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** A server running in its own process. */
export interface ChildServer {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** The child's resident set size in bytes (Linux /proc), or undefined elsewhere. */
  rssBytes(): number | undefined;
  /** CPU seconds the child has used, user plus system (Linux /proc), or undefined elsewhere. */
  cpuSeconds(): number | undefined;
  /** The last lines the child wrote (stdout and stderr), for diagnostics. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; graceful: boolean }>;
}

interface SpawnSpec {
  name: string;
  script: string;
  env: Record<string, string>;
  nodeFlags?: string[];
  /** Resolves the port from a stdout line, or undefined. */
  portFromLine?: (line: string) => number | undefined;
  /** A fixed port to poll `GET /healthz` on instead. */
  healthPort?: number;
  /** How long it may take to listen (default STARTUP_TIMEOUT_MS). */
  startupTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (bound and released at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function readRss(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime from /proc/<pid>/stat, in seconds (clock ticks of 1/100 s on Linux). */
function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function spawnServer(spec: SpawnSpec): Promise<ChildServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(spec.nodeFlags ?? []), '--import', 'tsx', spec.script],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 50) tail.shift();
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let announcedPort: ((port: number) => void) | undefined;
  // Keep reading both pipes to the end, so a full pipe never blocks the child.
  createInterface({ input: child.stderr! }).on('line', keep);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    const port = spec.portFromLine?.(line);
    if (port !== undefined) announcedPort?.(port);
  });

  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string) => () => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.name}: ${why}\n${tail.join('\n')}`));
    };
    const timeoutMs = spec.startupTimeoutMs ?? STARTUP_TIMEOUT_MS;
    const first = new FirstOutcome(timeoutMs, fail(`did not start within ${timeoutMs} ms`));
    void exited.then(({ code }) => first.settle(fail(`exited with code ${code} before listening`)));
    announcedPort = (value) => first.settle(() => resolve(value));
    if (spec.healthPort !== undefined) {
      const healthPort = spec.healthPort;
      void (async () => {
        while (!first.settled) {
          if (await healthy(healthPort)) return first.settle(() => resolve(healthPort));
          await sleep(100);
        }
      })();
    }
  });

  const pid = child.pid!;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    name: spec.name,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    rssBytes: () => readRss(pid),
    cpuSeconds: () => readCpuSeconds(pid),
    output: () => tail.join('\n'),
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!gone()) child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      const end = await exited;
      clearTimeout(timer);
      return { ...end, graceful: end.signal !== 'SIGKILL' };
    },
  };
}

/** Starts bench/bare-server.ts on a random port. */
export function startBareServer(): Promise<ChildServer> {
  return spawnServer({
    name: 'bare node:http',
    script: 'bench/bare-server.ts',
    env: { PORT: '0', HOST: '127.0.0.1' },
    portFromLine: (line) => {
      try {
        const entry = JSON.parse(line) as { port?: unknown };
        return typeof entry.port === 'number' ? entry.port : undefined;
      } catch {
        return undefined;
      }
    },
  });
}

/** Rate limits the benchmark asks for: effectively none. */
const RATE_LIMIT_WANTED = '100000000';
/** The highest the configuration accepted when this benchmark was written. */
const RATE_LIMIT_FALLBACK = '1000000';

/**
 * Starts `server/main.ts` in production mode on `databaseUrl` (a SQLite file, or a
 * postgres:// URL with REDIS_URL and the like in `env`). LOG_LEVEL=warn hides the
 * "listening" line, so the port is chosen here and readiness is `GET /healthz`.
 */
export async function startScoreboard(options: {
  databaseUrl: string;
  secret: string;
  cpuProfDir?: string;
  /** DB_SYNCHRONOUS (SQLite only). */
  dbSync?: 'full' | 'normal';
  /** Names the server in progress lines and errors (default `Scoreboard`). */
  name?: string;
  /** More environment: REDIS_URL, REDIS_PREFIX, TRUST_PROXY. */
  env?: Record<string, string>;
  /** How long it may take to listen (a large board's load; default 30 s). */
  startupTimeoutMs?: number;
}): Promise<{ server: ChildServer; rateLimitPerMin: number }> {
  let rateLimit = RATE_LIMIT_WANTED;
  for (;;) {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      ...(options.dbSync ? { DB_SYNCHRONOUS: options.dbSync } : {}),
      JWT_SECRET: options.secret,
      LOG_LEVEL: 'warn',
      SCORE_MAX: '1000000000',
      SCORE_MAX_GAIN: '1000000000',
      RATE_LIMIT_USER_PER_MIN: rateLimit,
      RATE_LIMIT_IP_PER_MIN: rateLimit,
      RATE_LIMIT_READS_PER_MIN: rateLimit,
      ...options.env,
    };
    try {
      const server = await spawnServer({
        name: options.name ?? 'Scoreboard',
        script: 'server/main.ts',
        env,
        healthPort: port,
        startupTimeoutMs: options.startupTimeoutMs,
        nodeFlags: options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [],
        portFromLine: (line) => {
          try {
            const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
            return entry.msg === 'Scoreboard is listening' && typeof entry.port === 'number'
              ? entry.port
              : undefined;
          } catch {
            return undefined;
          }
        },
      });
      return { server, rateLimitPerMin: Number(rateLimit) };
    } catch (error) {
      // An older configuration caps the rate limits; ask for its maximum instead.
      if (rateLimit !== RATE_LIMIT_FALLBACK && /RATE_LIMIT_\w+_PER_MIN/.test(String(error))) {
        rateLimit = RATE_LIMIT_FALLBACK;
        continue;
      }
      throw error;
    }
  }
}
