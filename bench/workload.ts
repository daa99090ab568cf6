import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** One `POST /update-score` body. */
export interface UpdateBody {
  user_id: string;
  action_id: string;
  new_score: number;
}

/** A random HS256 secret for the benchmark's server (at least 32 characters). */
export const newSecret = (): string => randomBytes(32).toString('hex');

/** A token with one role, valid for an hour, as `npm run token -- <subject> --role <role>` mints. */
function roleToken(secret: string, role: 'service' | 'admin', subject: string): string {
  return jwt.sign({ roles: [role] }, secret, { algorithm: 'HS256', subject, expiresIn: 3600 });
}

/** A service-role token (a trusted game server). */
export const serviceToken = (secret: string): string => roleToken(secret, 'service', 'bench-game-server');

/** An admin token (to create a board mid-run). */
export const adminToken = (secret: string): string => roleToken(secret, 'admin', 'bench-admin');

/**
 * The load: round-robin over `users` user_ids, a fresh action_id per update, and a score
 * that is one global counter. A user with an update in flight is skipped until `done`, so
 * a user's updates are answered one after another and each carries a higher score than the
 * last: no reordering between connections can make a later score land first (a 422).
 */
export class Workload {
  private counter = 0;
  private cursor = 0;
  private readonly busy: Uint8Array;
  /** Names this run's action_ids (`bench-<runId>-...`). */
  readonly runId = randomBytes(4).toString('hex');

  constructor(readonly users: number) {
    this.busy = new Uint8Array(users);
  }

  /** The score of the last update handed out (every phase and generator shares the counter). */
  get issued(): number {
    return this.counter;
  }

  /** The next update, for a user with nothing in flight; call `done` once it is answered. */
  next(): UpdateBody {
    for (let tries = 0; tries < this.users; tries++) {
      const user = this.cursor++ % this.users;
      if (this.busy[user]) continue;
      this.busy[user] = 1;
      const n = ++this.counter;
      return {
        user_id: `user-${String(user).padStart(5, '0')}`,
        action_id: `bench-${this.runId}-${n}`,
        new_score: n,
      };
    }
    throw new Error('every user has an update in flight: use more --users than connections');
  }

  /**
   * Moves the score counter up to `score` after another generator (wrk) issued updates from
   * `issued` upwards: later updates carry higher scores than any it sent.
   */
  advanceTo(score: number): void {
    if (score > this.counter) this.counter = score;
  }

  /** Marks an update as answered (whatever the answer), freeing its user. */
  done(body: UpdateBody): void {
    this.busy[Number(body.user_id.slice(5))] = 0;
  }
}

/**
 * The fan-out writers: 1,000 users written round-robin, each write a new global top score
 * far above the load's, so every write makes its user the leader and changes the top 10.
 * A user's writes are 1,000 apart, far more than can be in flight, so they land in order.
 */
export const FANOUT_USERS = 1000;
export const FANOUT_BASE_SCORE = 500_000_000;

/** The `i`-th fan-out update (0-based): user `i % 1000` becomes the leader with score BASE + i. */
export function fanoutUpdate(runId: string, i: number): UpdateBody {
  return {
    user_id: `fanout-${String(i % FANOUT_USERS).padStart(4, '0')}`,
    action_id: `fanout-${runId}-${i}`,
    new_score: FANOUT_BASE_SCORE + i,
  };
}
