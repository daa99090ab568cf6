import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  SERVER_ARGS,
  STARTUP_TIMEOUT_MS,
  REPO_ROOT,
  startServerProcess,
  type ServerProcess,
} from '../../scripts/local/server-process.js';
import { testEnv } from './test-server.js';

export { REPO_ROOT, SERVER_ARGS, STARTUP_TIMEOUT_MS } from '../../scripts/local/server-process.js';

/** A real server running in its own process. */
export type ChildServer = ServerProcess;

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
 * Starts `server/main.ts` on the data folder `dir`; resolves once it logs that it listens (see
 * startServerProcess: a server that ends before that is a precise error). `command` runs the
 * server another way (`['npm', 'start']`, a built bundle); signals go to the process it starts.
 */
export async function startChildServer(
  dir: string,
  overrides: Record<string, string | undefined> = {},
  { command }: { command?: readonly string[] } = {},
): Promise<ChildServer> {
  const server = await startServerProcess({ env: childEnv(dir, overrides), command });
  running.add(server);
  return server;
}

/** SIGKILLs every child server still running; call from afterEach. */
export async function killChildServers(): Promise<void> {
  await Promise.all(
    [...running].map(async (server) => {
      await server.kill9();
      running.delete(server);
    }),
  );
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
