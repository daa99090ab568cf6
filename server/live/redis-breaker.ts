import type { Logger } from '../observability/logger.js';

/** Closed: commands go to Redis. Open: fallbacks answer. Half-open: the breaker's probe is out. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** How a breaker is tuned (REDIS_BREAKER_FAILURES, REDIS_BREAKER_COOLDOWN_MS). */
export interface BreakerOptions {
  /** Failed commands in a row (errors or timeouts) that open the breaker. */
  readonly failures: number;
  /** How long it stays open before it probes Redis, in ms. */
  readonly coolDownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failures: 3, coolDownMs: 5000 };

/** What the breaker needs of a connection: a probe, and word that the link was lost or regained. */
export interface ProbedConnection {
  ping(): Promise<unknown>;
  on(event: 'close' | 'ready', listener: () => void): unknown;
}

/**
 * The circuit breaker of one Redis connection, shared by everything that sends commands on it
 * (the rate limiters, the live bus's publisher), so that they agree whether Redis is up.
 *
 * Closed: commands go to Redis; `failures` failed in a row, or the connection lost, open it.
 * Open: every call is answered by its in-memory fallback at once, so a hung Redis costs a few
 * requests a command timeout each instead of costing every request. After the cool-down the
 * breaker probes Redis itself (half-open: one PING, while calls still take their fallback, so
 * no request waits on the probe); a reply closes it, anything else opens it for another
 * cool-down. A reconnection probes at once. State changes are logged once each.
 */
export class RedisBreaker {
  private current: BreakerState = 'closed';
  private failuresInRow = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly connection: ProbedConnection,
    private readonly options: BreakerOptions,
    private readonly logger: Logger,
    /** Called each time the breaker opens from closed (a metric). */
    private readonly tripped: () => void = () => {},
  ) {
    connection.on('close', () => this.trip('the connection to Redis was lost or refused'));
    connection.on('ready', () => void this.probe());
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Whether commands go to Redis (false: the instance runs on its fallbacks). */
  get closed(): boolean {
    return this.current === 'closed';
  }

  /**
   * Runs `command` on Redis while the breaker is closed; otherwise, or when the command fails,
   * answers with `fallback`. A command's failure counts towards opening the breaker.
   */
  async call<T>(command: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.current !== 'closed') return fallback();
    let result: T;
    try {
      result = await command();
    } catch (err) {
      this.failed(err);
      return fallback();
    }
    this.failuresInRow = 0;
    return result;
  }

  /** Stops probing and ignores the connection from now on (it is being closed on purpose). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private failed(err: unknown): void {
    // A command that was sent before the breaker opened says nothing new.
    if (this.current !== 'closed') return;
    this.failuresInRow += 1;
    if (this.failuresInRow >= this.options.failures) {
      this.trip(err instanceof Error ? err.message : String(err));
    }
  }

  private trip(reason: string): void {
    if (this.stopped || this.current === 'open') return;
    const wasClosed = this.current === 'closed';
    this.current = 'open';
    this.failuresInRow = 0;
    if (wasClosed) {
      this.tripped();
      this.logger.warn(
        { reason },
        'Redis is not answering: rate limits are per instance and live changes follow the database until it does',
      );
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), this.options.coolDownMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.stopped || this.current !== 'open') return;
    clearTimeout(this.timer);
    this.current = 'half-open';
    try {
      await this.connection.ping();
    } catch (err) {
      if (this.current !== 'half-open') return;
      this.logger.debug({ err }, 'Redis probe failed; trying again after the cool-down');
      this.trip(err instanceof Error ? err.message : String(err)); // from half-open: not a new trip
      return;
    }
    if (this.stopped || this.current !== 'half-open') return;
    this.current = 'closed';
    this.logger.info('Redis answers again: rate limits are shared and live changes cross over Redis');
  }
}
