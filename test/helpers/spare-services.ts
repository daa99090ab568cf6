import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdUntilReleased } from './cleanup-registry.js';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits for a TCP port to accept (or, with `open` false, to refuse) connections; `gaveUp` says
 * why waiting longer is pointless (the process that should listen has exited).
 */
async function waitForPort(
  port: number,
  open: boolean,
  gaveUp: () => string | undefined = () => undefined,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const accepts = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (accepts === open) return;
    const why = gaveUp();
    if (why !== undefined) throw new Error(`port ${port} did not open: ${why}`);
    if (Date.now() > deadline) throw new Error(`port ${port} did not ${open ? 'open' : 'close'} in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A Redis of the test's own, on a spare port, that the test may stop and start again (the
 * shared one is never touched). Killed after the test file at the latest.
 */
export class SpareRedis {
  private process: ChildProcess | undefined;
  /** Resolves once the current process has exited; undefined while none was started. */
  private exited: Promise<void> | undefined;
  private constructor(readonly port: number) {
    holdUntilReleased(() => this.stop());
  }

  static async start(): Promise<SpareRedis> {
    const redis = new SpareRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.process = child;
    let ended = false;
    // Listened for from the start: an exit that happened before stop() is still seen.
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        ended = true;
        resolve();
      }),
    );
    await waitForPort(this.port, true, () => (ended ? 'redis-server exited' : undefined));
  }

  /** Freezes it (SIGSTOP): connections stay open and nothing is answered, as when Redis hangs. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a paused Redis run again (SIGCONT). */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Kills it (SIGKILL) and waits until it has exited and the port refuses connections. */
  async stop(): Promise<void> {
    if (!this.process || !this.exited) return;
    this.process.kill('SIGKILL'); // a no-op when it has exited already
    await this.exited;
    await waitForPort(this.port, false);
  }
}

/** The newest PostgreSQL's programs (looked up when first needed: not every run has them). */
function pgBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  return join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
}

/** How long one pg_ctl may take on a loaded machine. */
const PG_CTL_TIMEOUT_MS = 60_000;

/** Runs a PostgreSQL tool as the `postgres` user (initdb and pg_ctl refuse root). */
function asPostgres(tool: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync('runuser', ['-u', 'postgres', '--', join(pgBin(), tool), ...args], {
    encoding: 'utf8',
    timeout: PG_CTL_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
}

/** Runs a PostgreSQL tool as the `postgres` user; throws with its output when it fails. */
function mustAsPostgres(tool: string, args: string[]): void {
  const result = asPostgres(tool, args);
  if (result.status !== 0)
    throw new Error(
      `${tool} failed (${result.error?.message ?? `status ${result.status}`}): ${result.stderr}${result.stdout}`,
    );
}

/** `pg_ctl status` exit codes that mean nothing runs there: 3 not running, 4 no data folder. */
const PG_CTL_NOTHING_RUNS = [3, 4];

/**
 * Stops the PostgreSQL of the data folder `data` (immediate: like a crash, no checkpoint; fast:
 * an orderly shutdown that ends every session); says whether one was running there.
 */
export function stopPostgres(data: string, mode: 'immediate' | 'fast' = 'immediate'): boolean {
  if (PG_CTL_NOTHING_RUNS.includes(asPostgres('pg_ctl', ['-D', data, 'status']).status ?? -1)) return false;
  mustAsPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  return true;
}

/**
 * A PostgreSQL of the test's own (initdb into a temporary folder, on a spare port), that the
 * test may stop and start again; the shared one is never touched. Stopped and removed after the
 * test file at the latest.
 */
export class SparePostgres {
  /** Stops it and removes its folder (once; later calls wait for the first). */
  readonly destroy = holdUntilReleased(() => this.remove());

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<SparePostgres> {
    const pg = new SparePostgres(await freePort(), mkdtempSync(join(tmpdir(), 'scoreboard-pg-')));
    const dir = pg.dir;
    try {
      const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout);
      chownSync(dir, id('-u'), id('-g'));
      mustAsPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
      await pg.start();
    } catch (error) {
      await pg.destroy();
      throw error;
    }
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    mustAsPostgres('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
    await waitForPort(this.port, true);
  }

  /**
   * Stops it and waits until it refuses: `immediate` (the default) is like a crash, no
   * checkpoint; `fast` is an orderly shutdown that ends every session (57P01), as a restart does.
   */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    if (stopPostgres(join(this.dir, 'data'), mode)) await waitForPort(this.port, false);
  }

  private async remove(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
