import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Waits for a TCP port to accept (or, with `open` false, to refuse) connections. */
async function waitForPort(port: number, open: boolean, ms = 15_000): Promise<void> {
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
    if (Date.now() > deadline) throw new Error(`port ${port} did not ${open ? 'open' : 'close'} in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A Redis of the test's own, on a spare port, that the test may stop and start again (the
 * shared one on 6379 is never touched).
 */
export class SpareRedis {
  private process: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<SpareRedis> {
    const redis = new SpareRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(this.port, true);
  }

  /** Freezes it (SIGSTOP): connections stay open and nothing is answered, as when Redis hangs. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a paused Redis run again (SIGCONT). */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Kills it (SIGKILL) and waits until the port refuses connections. */
  async stop(): Promise<void> {
    const child = this.process;
    // A process killed by a signal keeps exitCode null: signalCode says it is gone.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitForPort(this.port, false);
  }
}

const PG_BIN = (() => {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  return join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
})();

/** Runs a PostgreSQL tool as the `postgres` user (initdb and pg_ctl refuse root). */
function asPostgres(tool: string, args: string[]): void {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr}${result.stdout}`);
}

/**
 * A PostgreSQL of the test's own (initdb into a temporary folder, on a spare port), that the
 * test may stop and start again; the shared one on 5432 is never touched.
 */
export class SparePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<SparePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'scoreboard-pg-'));
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout);
    chownSync(dir, id('-u'), id('-g'));
    asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const pg = new SparePostgres(await freePort(), dir);
    await pg.start();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    asPostgres('pg_ctl', [
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
    asPostgres('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
    await waitForPort(this.port, false);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
