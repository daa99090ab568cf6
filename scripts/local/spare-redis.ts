import { spawn, type ChildProcess } from 'node:child_process';
import { holdUntilReleased } from './cleanup-registry.js';
import { freePort, waitForPort } from './ports.js';

/**
 * A Redis of our own, on a spare port, that may be stopped and started again (a shared one is
 * never touched): for the tests that fault Redis, and for `npm run cluster` when no Redis
 * answers. Killed when what is left is released (after a test file, when the cluster stops).
 */
export class SpareRedis {
  private process: ChildProcess | undefined;
  /** Resolves once the current process has exited; undefined while none was started. */
  private exited: Promise<void> | undefined;
  private constructor(
    readonly port: number,
    private readonly detached: boolean,
  ) {
    holdUntilReleased(() => this.stop());
  }

  /**
   * Starts one. `ownProcessGroup`: a Ctrl-C meant for the process that started it does not
   * reach it (that process stops it in its own time); otherwise it ends with its starter's group.
   */
  static async start({ ownProcessGroup = false } = {}): Promise<SpareRedis> {
    const redis = new SpareRedis(await freePort(), ownProcessGroup);
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
      { stdio: 'ignore', detached: this.detached },
    );
    this.process = child;
    let ended: string | undefined;
    // Listened for from the start: an exit that happened before stop() is still seen.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve((ended ??= 'redis-server exited')));
      // No redis-server on PATH: no 'exit' comes.
      child.once('error', (error) => resolve((ended ??= `redis-server could not start (${error.message})`)));
    }).then(() => {});
    await waitForPort(this.port, true, () => ended);
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
