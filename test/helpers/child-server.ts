import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { holdUntilReleased } from './cleanup-registry.js';
import { testEnv } from './test-server.js';

/** The repository root: every child runs from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `npm start`, without npm. */
export const SERVER_ARGS = ['--import', 'tsx', 'server/main.ts'];
/** How long a child may take to log that it listens (a loaded machine takes seconds). */
export const STARTUP_TIMEOUT_MS = 20_000;

/** A real server running in its own process. */
export interface ChildServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** Everything the process has written on stderr so far (the banner for people, errors). */
  stderr(): string;
  /**
   * Undefined unless the process ended, or began its graceful shutdown, without this helper
   * signalling it; then how (exit code or signal, stderr, last log lines). A server that dies
   * under a test shows up here instead of as an unexplained `fetch failed`.
   */
  endedOnItsOwn(): string | undefined;
}

/** How a child process ended, and whether this helper had signalled it by then. */
interface Ending {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly requested: boolean;
}

/** Signals a process gets from its own fault (they dump core). */
const CRASH_SIGNALS: readonly string[] = ['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE', 'SIGTRAP'];
/** Log lines kept per child, for failure messages. */
const TAIL_LINES = 10;

function describeEnding({ code, signal }: Ending, sent: readonly NodeJS.Signals[]): string {
  if (signal === null) return `exited with code ${code}`;
  if (sent.includes(signal)) return `was killed by ${signal} (sent by the test)`;
  if (CRASH_SIGNALS.includes(signal)) return `was killed by ${signal} (it crashed)`;
  // SIGTERM or SIGINT before the server registers its handlers ends it at once and silently
  // (exit code null, empty stderr); after that, they shut it down gracefully (exit code 0).
  return `was killed by ${signal}, which the test did not send (another process signalled it)`;
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

/**
 * Starts `server/main.ts` on the data folder `dir`; resolves once it logs that it listens.
 * Should it end before that, the error says how (exit code, or which signal and whether the
 * test sent it), with its whole stderr and its last log lines. `command` runs the server
 * another way (`['npm', 'start']`, a built bundle); signals go to the process it starts.
 */
export async function startChildServer(
  dir: string,
  overrides: Record<string, string | undefined> = {},
  { command = [process.execPath, ...SERVER_ARGS] }: { command?: readonly string[] } = {},
): Promise<ChildServer> {
  const startedAt = Date.now();
  const [file = process.execPath, ...args] = command;
  const child = spawn(file, args, {
    cwd: REPO_ROOT,
    env: childEnv(dir, overrides),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** Every signal this helper sent the child. */
  const sent: NodeJS.Signals[] = [];
  const signal = (name: NodeJS.Signals) => {
    sent.push(name);
    child.kill(name);
  };
  let ending: Ending | undefined;
  /** The first sign that the server ended, or began to, without this helper asking. */
  let onItsOwn: string | undefined;
  const exited = new Promise<Ending>((resolve) =>
    child.once('exit', (code, signalName) => {
      ending = { code, signal: signalName, requested: sent.length > 0 };
      if (!ending.requested) onItsOwn ??= describeEnding(ending, sent);
      resolve(ending);
    }),
  );
  // 'exit' may come before the last output is read; 'close' comes once both pipes are drained.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const tail: string[] = [];
  const output = () => `stderr:\n${stderr || '(empty)\n'}last log lines:\n${tail.join('\n') || '(none)'}`;

  const port = await new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(
      () =>
        settle(() => {
          signal('SIGKILL');
          reject(new Error(`server did not listen within ${STARTUP_TIMEOUT_MS} ms; ${output()}`));
        }),
      STARTUP_TIMEOUT_MS,
    );
    void exited.then(async (end) => {
      await closed;
      settle(() =>
        reject(
          new Error(
            `server ${describeEnding(end, sent)} ${Date.now() - startedAt} ms after its start, ` +
              `before it logged that it listens; ${output()}`,
          ),
        ),
      );
    });
    // Keep reading stdout to the end, so a full pipe never blocks the child's logger.
    createInterface({ input: child.stdout }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      let entry: { msg?: unknown; port?: unknown; signal?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return; // the human-readable hint, not a log line
      }
      const { msg, port } = entry;
      if (msg === 'Scoreboard is listening' && typeof port === 'number') settle(() => resolve(port));
      if (msg === 'shutting down' && sent.length === 0) {
        const by = String(entry.signal);
        onItsOwn ??= `began shutting down on ${by}, which the test did not send (another process signalled it)`;
      }
    });
  });

  /** Kills it unless it has ended; the test file's end does this at the latest. */
  const release = holdUntilReleased(async () => {
    if (!ending) signal('SIGKILL');
    await exited;
    running.delete(server);
  });
  const server: ChildServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    async stop(name = 'SIGTERM') {
      if (!ending) signal(name);
      const { code } = await exited;
      await release();
      return code;
    },
    kill9: release,
    stderr: () => stderr,
    endedOnItsOwn() {
      if (onItsOwn === undefined) return undefined;
      return `the server ${onItsOwn} while the test still used it; ${output()}`;
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
