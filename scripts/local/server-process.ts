import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { holdUntilReleased } from './cleanup-registry.js';
import { FirstOutcome } from './first-outcome.js';

/** The repository root: every server process runs from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `npm start`, without npm. */
export const SERVER_ARGS = ['--import', 'tsx', 'server/main.ts'];
/** How long a server may take to log that it listens (a loaded machine takes seconds). */
export const STARTUP_TIMEOUT_MS = 20_000;

/** A real server running in its own process. */
export interface ServerProcess {
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

/** How a server process is started. */
export interface ServerProcessOptions {
  /** Its whole environment (nothing is inherited); it must log at info level or lower. */
  readonly env: Record<string, string>;
  /** Runs the server another way (`['npm', 'start']`, a built bundle); signals go to the process it starts. */
  readonly command?: readonly string[];
  readonly startupTimeoutMs?: number;
  /** In a process group of its own, so that a Ctrl-C meant for its starter does not reach it. */
  readonly ownProcessGroup?: boolean;
  /** Hears every line the process writes on stdout (its JSON log). */
  readonly onLine?: (line: string) => void;
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

/**
 * Starts `server/main.ts` (or `command`) with `env`; resolves once it logs that it listens.
 * Should it end before that, the error says how (exit code, or which signal and whether the
 * test sent it), with its whole stderr and its last log lines. It is killed when what is left
 * is released, unless it was stopped before.
 */
export async function startServerProcess({
  env,
  command = [process.execPath, ...SERVER_ARGS],
  startupTimeoutMs = STARTUP_TIMEOUT_MS,
  ownProcessGroup = false,
  onLine,
}: ServerProcessOptions): Promise<ServerProcess> {
  const startedAt = Date.now();
  const [file = process.execPath, ...args] = command;
  const child = spawn(file, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownProcessGroup,
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
    const first = new FirstOutcome(startupTimeoutMs, () => {
      signal('SIGKILL');
      reject(new Error(`server did not listen within ${startupTimeoutMs} ms; ${output()}`));
    });
    void exited.then(async (end) => {
      await closed;
      first.settle(() =>
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
      onLine?.(line);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      let entry: { msg?: unknown; port?: unknown; signal?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return; // the human-readable hint, not a log line
      }
      const { msg, port } = entry;
      if (msg === 'Scoreboard is listening' && typeof port === 'number') first.settle(() => resolve(port));
      if (msg === 'shutting down' && sent.length === 0) {
        const by = String(entry.signal);
        onItsOwn ??= `began shutting down on ${by}, which the test did not send (another process signalled it)`;
      }
    });
  });

  /** Kills it unless it has ended; what is left is released at the latest. */
  const release = holdUntilReleased(async () => {
    if (!ending) signal('SIGKILL');
    await exited;
  });
  return {
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
}
