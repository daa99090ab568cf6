import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CommittedChanges } from '../../../domain/score-record.js';
import type { Logger } from '../../../observability/logger.js';
import { retryDelay, type RedisConnection } from '../../redis-client.js';
import type { BusHandlers, LiveBus } from '../live-bus.js';

interface Message extends CommittedChanges {
  /** The publishing instance (it applied its own changes already). */
  readonly from: string;
  /** The database the version counts in: instances of another database ignore it. */
  readonly epoch: string;
}

/** How long start waits for the subscription before it goes on without (the poll covers). */
const SUBSCRIBE_WAIT_MS = 2000;

/** Where a Redis bus publishes and listens. */
export interface RedisBusOptions {
  /** The commands connection (publishes go through its breaker); the subscriber dials its URL. */
  readonly redis: RedisConnection;
  readonly channel: string;
  /** The database's epoch (LeaderboardService.epoch). */
  readonly epoch: string;
  readonly logger: Logger;
  /** Called for each message taken from another instance (a metric). */
  readonly received?: () => void;
}

/**
 * Redis pub/sub between instances. Pub/sub keeps nothing: a message published while a
 * subscriber is disconnected is lost to it, so every (re)connection asks the follower to
 * resync from the database's change feed. Publishing never waits for Redis and never fails
 * a write: while the breaker is open nothing is published, and the followers' poll of the
 * feed carries the changes.
 */
export class RedisLiveBus implements LiveBus {
  private readonly id = randomUUID();
  private readonly subscriber: Redis;

  constructor(private readonly options: RedisBusOptions) {
    this.subscriber = new Redis(options.redis.url, {
      lazyConnect: true,
      maxRetriesPerRequest: null,
      retryStrategy: retryDelay,
    });
    this.subscriber.on('error', () => {}); // reconnects by itself; the follower's poll covers the gap
  }

  publish(committed: CommittedChanges): void {
    const { redis, channel, epoch } = this.options;
    const text = JSON.stringify({ ...committed, from: this.id, epoch } satisfies Message);
    void redis.breaker.call(
      () => redis.client.publish(channel, text),
      () => 0,
    );
  }

  async subscribe(handlers: BusHandlers): Promise<void> {
    const { channel, epoch, logger, received } = this.options;
    this.subscriber.on('message', (_channel: string, text: string) => {
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        return;
      }
      if (message.from === this.id || message.epoch !== epoch) return;
      received?.();
      handlers.changes({ version: message.version, changes: message.changes });
    });
    this.subscriber.on('ready', () => {
      // A subscription that could not be made at start is made now (ioredis renews the others).
      this.subscriber.subscribe(channel).catch(() => {});
      // Every (re)connection may follow a gap in delivery.
      handlers.resync();
    });
    const subscribed = this.subscriber
      .connect()
      .then(() => this.subscriber.subscribe(channel))
      .catch((err: unknown) => {
        // The breaker of the commands connection says so once; this one retries by itself.
        logger.debug({ err }, 'could not subscribe to board changes yet; live changes follow the database');
      });
    // A Redis that hangs accepts the connection and never answers: start does not wait for it.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)));
    await Promise.race([subscribed, late]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    // Nothing more is delivered, even what is already on the wire.
    this.subscriber.removeAllListeners('message');
    this.subscriber.removeAllListeners('ready');
    this.subscriber.disconnect();
  }
}
