import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CommittedChanges } from '../../../domain/score-record.js';
import type { Logger } from '../../../observability/logger.js';
import type { BusHandlers, LiveBus } from '../live-bus.js';

interface Message extends CommittedChanges {
  /** The publishing instance (it applied its own changes already). */
  readonly from: string;
  /** The database the version counts in: instances of another database ignore it. */
  readonly epoch: string;
}

/**
 * Redis pub/sub between instances. Pub/sub keeps nothing: a message published while a
 * subscriber is disconnected is lost to it, so every (re)connection asks the follower to
 * resync from the database's change feed. Publishing never waits for Redis and never fails
 * a write: with Redis down, the followers' poll of the feed carries the changes.
 */
export class RedisLiveBus implements LiveBus {
  private readonly id = randomUUID();
  private readonly subscriber: Redis;

  constructor(
    private readonly publisher: Redis,
    url: string,
    private readonly channel: string,
    private readonly epoch: string,
    private readonly logger: Logger,
  ) {
    this.subscriber = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: null,
      retryStrategy: retryDelay,
    });
    this.subscriber.on('error', () => {}); // reconnects by itself; the follower's poll covers the gap
  }

  publish(committed: CommittedChanges): void {
    const message: Message = { ...committed, from: this.id, epoch: this.epoch };
    this.publisher.publish(this.channel, JSON.stringify(message)).catch((err: unknown) => {
      this.logger.debug({ err }, 'could not publish board changes; followers will poll');
    });
  }

  async subscribe(handlers: BusHandlers): Promise<void> {
    this.subscriber.on('message', (_channel: string, text: string) => {
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        return;
      }
      if (message.from === this.id || message.epoch !== this.epoch) return;
      handlers.changes({ version: message.version, changes: message.changes });
    });
    // Every (re)subscription may follow a gap in delivery.
    this.subscriber.on('ready', () => handlers.resync());
    try {
      await this.subscriber.connect();
      await this.subscriber.subscribe(this.channel);
    } catch (err) {
      this.logger.warn({ err }, 'Redis is not reachable; live changes follow the database until it is');
    }
  }

  async close(): Promise<void> {
    // Nothing more is delivered, even what is already on the wire.
    this.subscriber.removeAllListeners('message');
    this.subscriber.removeAllListeners('ready');
    this.subscriber.disconnect();
  }
}

/** Reconnects quickly at first, then every 2 s at most. */
export function retryDelay(attempt: number): number {
  return Math.min(2000, 50 * 2 ** attempt);
}
