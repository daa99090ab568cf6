import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testEnv } from './test-server.js';

/** The repository root: every child runs from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `npm start`, without npm. */
export const SERVER_ARGS = ['--import', 'tsx', 'server/main.ts'];
const STARTUP_TIMEOUT_MS = 20_000;

/** A real server running in its own process. */
export interface ChildServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  kill9(): Promise<void>;
}

const running = new Set<ChildServer>();

/**
 * The environment of a child server: the test environment for `dir` with logging on (the
 * listening line is a log line), plus PATH. An override of `undefined` removes the variable.
 */
export function childEnv(
  dir: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '',
    ...testEnv(dir, { LOG_LEVEL: 'info' }),
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Starts `server/main.ts` on the data folder `dir`; resolves once it logs that it listens. */
export async function startChildServer(
  dir: string,
  overrides: Record<string, string | undefined> = {},
): Promise<ChildServer> {
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: REPO_ROOT,
    env: childEnv(dir, overrides),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const port = await new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (why: string) =>
      settle(() => {
        child.kill('SIGKILL');
        reject(new Error(`${why}; stderr:\n${stderr}`));
      });
    const timer = setTimeout(
      () => fail(`server did not listen within ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS,
    );
    void exited.then((code) => fail(`server exited with code ${code} before listening`));
    // Keep reading stdout to the end, so a full pipe never blocks the child's logger.
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: { msg?: unknown; port?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return; // the human-readable hint, not a log line
      }
      const { msg, port } = entry;
      if (msg === 'Scoreboard is listening' && typeof port === 'number') settle(() => resolve(port));
    });
  });

  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const server: ChildServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    async stop(signal = 'SIGTERM') {
      if (!gone()) child.kill(signal);
      const code = await exited;
      running.delete(server);
      return code;
    },
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
      running.delete(server);
    },
  };
  running.add(server);
  return server;
}

/** SIGKILLs every child server still running; call from afterEach. */
export async function killChildServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.kill9()));
}

/** Runs the server to its exit (for start-up failures); gives up after the start-up timeout. */
export function runServerToExit(
  dir: string,
  overrides: Record<string, string | undefined> = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, SERVER_ARGS, {
    cwd: REPO_ROOT,
    env: childEnv(dir, overrides),
    encoding: 'utf8',
    timeout: STARTUP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
}
