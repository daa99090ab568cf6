import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdUntilReleased } from './cleanup-registry.js';
import { freePort, waitForPort } from './ports.js';

/** The newest PostgreSQL's programs (looked up when first needed: not every run has them). */
function pgBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  return join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
}

/** How long one pg_ctl may take on a loaded machine. */
const PG_CTL_TIMEOUT_MS = 60_000;

/** Whether this process runs as root, where initdb and pg_ctl must run as `postgres`. */
const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL tool, as the `postgres` user when we are root (initdb and pg_ctl refuse root). */
function runTool(tool: string, args: string[]): SpawnSyncReturns<string> {
  const [file, ...argv] = asRoot()
    ? ['runuser', '-u', 'postgres', '--', join(pgBin(), tool), ...args]
    : [join(pgBin(), tool), ...args];
  return spawnSync(file!, argv, { encoding: 'utf8', timeout: PG_CTL_TIMEOUT_MS, killSignal: 'SIGKILL' });
}

/** Runs a PostgreSQL tool; throws with its output when it fails. */
function mustRunTool(tool: string, args: string[]): void {
  const result = runTool(tool, args);
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
  if (PG_CTL_NOTHING_RUNS.includes(runTool('pg_ctl', ['-D', data, 'status']).status ?? -1)) return false;
  mustRunTool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  return true;
}

/**
 * A PostgreSQL of our own (initdb into a temporary folder, on a spare port, trust auth, user
 * `postgres`) that may be stopped and started again; a shared one is never touched. For the
 * tests that fault the database, and for `npm run cluster` when no PostgreSQL answers. It runs
 * in a session of its own (pg_ctl starts it so), so a Ctrl-C never reaches it. Stopped and
 * removed when what is left is released (after a test file, when the cluster stops).
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
      if (asRoot()) {
        const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout);
        chownSync(dir, id('-u'), id('-g'));
      }
      mustRunTool('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
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
    mustRunTool('pg_ctl', [
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
