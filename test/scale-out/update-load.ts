import type { ChildServer } from '../helpers/child-server.js';
import { post, type Cluster } from './cluster.js';

/** An update the server answered 200: committed, so it must be in the ledger. */
export interface Acknowledged {
  readonly user_id: string;
  readonly action_id: string;
  readonly new_score: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Steady update load on some instances: `workers` loops, each sending one update at a time,
 * spread over the instances, for a few users in common (so instances race on them), each with
 * a fresh action id and a score above the last one sent for that user. Remembers every update
 * acknowledged with 200 and counts every status (0: the request itself failed).
 */
export class UpdateLoad {
  readonly acknowledged: Acknowledged[] = [];
  readonly statuses = new Map<number, number>();
  private running = true;
  private readonly sent = new Map<string, number>();
  private readonly loops: Array<Promise<void>>;

  constructor(
    private readonly instances: readonly ChildServer[],
    options: { workers: number; users: number; prefix: string },
  ) {
    this.loops = Array.from({ length: options.workers }, (_, worker) => this.work(worker, options));
  }

  private async work(worker: number, { users, prefix }: { users: number; prefix: string }): Promise<void> {
    for (let i = 0; this.running; i++) {
      const instance = this.instances[(worker + i) % this.instances.length]!;
      // A worker's next update goes to the next instance, for the same user every other time.
      const user = `${prefix}-${(worker + Math.floor(i / this.instances.length)) % users}`;
      const score = (this.sent.get(user) ?? 0) + 1;
      this.sent.set(user, score);
      const action = `${prefix}-${worker}-${i}`;
      const status = await post(instance, user, action, score);
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      if (status === 200) this.acknowledged.push({ user_id: user, action_id: action, new_score: score });
      // Nothing answers (an instance that died): no need to spin.
      if (status === 0) await pause(50);
    }
  }

  /** Resolves once `count` more updates have been acknowledged than when it was called. */
  async acknowledge(count: number, ms = 30_000): Promise<void> {
    const target = this.acknowledged.length + count;
    const deadline = Date.now() + ms;
    while (this.acknowledged.length < target) {
      if (Date.now() > deadline) throw new Error(`fewer than ${count} updates acknowledged in ${ms} ms`);
      await pause(20);
    }
  }

  /** Stops sending; resolves once every update sent has been answered. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** The acknowledged updates that the ledger does not hold (user, action id and score). */
  async missingFrom(cluster: Pick<Cluster, 'query'>): Promise<Acknowledged[]> {
    const stored = new Set(
      (await cluster.query<Acknowledged>('SELECT user_id, action_id, new_score FROM score_ledger')).map((r) =>
        JSON.stringify([r.user_id, r.action_id, Number(r.new_score)]),
      ),
    );
    return this.acknowledged.filter(
      (a) => !stored.has(JSON.stringify([a.user_id, a.action_id, a.new_score])),
    );
  }
}
