import { tracked } from '@trpc/server';
import type { LeaderboardSnapshot, LiveLeaderboard } from '../leaderboard/live-leaderboard.js';
import { liveEvent, liveEventId, type LiveFeed } from '../procedures/live-feed.js';
import { dataResult, resultTail } from '../transport/trpc-wire.js';

/** What the fan-out needs of a socket. */
export interface FanoutSocket {
  send(data: Buffer | string, options?: { binary?: boolean }): void;
}

interface Subscriber {
  readonly socket: FanoutSocket;
  readonly feed: LiveFeed;
  /** `{"id":<id>[,"jsonrpc":"2.0"]`: how this subscriber's frames start. */
  readonly head: Buffer;
  /** The entries JSON last sent, to skip a snapshot whose change is below this limit. */
  sent: string;
  /** The version of the last event sent (or of what the client resumed from). */
  seen: number;
  /** False while its resume point is being found: publishes skip it. */
  ready: boolean;
}

/**
 * `leaderboard.live` subscriptions delivered as shared frames: a snapshot is serialised once
 * per distinct `limit`, and every subscriber of that limit is sent the same bytes after its own
 * id, where tRPC would run an async generator and serialise a frame per subscriber. The events
 * are the subscription's LiveFeed's (its limit, its resume point, the same event and the same
 * rule for changes below the limit), so only how the bytes move differs.
 */
export class LiveFanout {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly live: LiveLeaderboard) {
    live.onPublish((snapshot) => this.publish(snapshot));
  }

  /** Subscriptions being served. */
  get count(): number {
    return this.subscribers.size;
  }

  /** Sends `feed`'s events to the socket after `head` until `signal` aborts. */
  async serve(socket: FanoutSocket, head: string, feed: LiveFeed, signal: AbortSignal): Promise<void> {
    const subscriber: Subscriber = {
      socket,
      feed,
      head: Buffer.from(head),
      sent: '',
      seen: -1,
      ready: false,
    };
    this.subscribers.add(subscriber);
    const ended = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      subscriber.seen = await feed.resumePoint();
      if (signal.aborted) return;
      subscriber.ready = true;
      const now = this.live.current();
      if (feed.isNews(now, subscriber.seen)) this.deliver([subscriber], now);
      await ended;
    } finally {
      this.subscribers.delete(subscriber);
    }
  }

  private publish(snapshot: LeaderboardSnapshot): void {
    const waiting: Subscriber[] = [];
    for (const subscriber of this.subscribers) {
      if (subscriber.ready && snapshot.version > subscriber.seen) waiting.push(subscriber);
    }
    this.deliver(waiting, snapshot);
  }

  /** Sends `snapshot` to each subscriber, serialising it once per distinct limit. */
  private deliver(subscribers: readonly Subscriber[], snapshot: LeaderboardSnapshot): void {
    const frames = new Map<number, { entries: string; tail: Buffer }>();
    for (const subscriber of subscribers) {
      const { limit } = subscriber.feed;
      let frame = frames.get(limit);
      if (!frame) {
        const event = liveEvent(snapshot, limit);
        const tail = Buffer.from(resultTail(dataResult(tracked(liveEventId(snapshot), event))));
        frame = { entries: JSON.stringify(event.entries), tail };
        frames.set(limit, frame);
      }
      subscriber.seen = snapshot.version;
      if (frame.entries === subscriber.sent) continue; // a change below this subscriber's limit
      subscriber.sent = frame.entries;
      subscriber.socket.send(Buffer.concat([subscriber.head, frame.tail]), { binary: false });
    }
  }
}
