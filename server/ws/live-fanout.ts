import { tracked } from '@trpc/server';
import type { LiveBoards } from '../leaderboard/live-boards.js';
import {
  isNewer,
  pointOf,
  type LeaderboardSnapshot,
  type LiveLeaderboard,
  type LivePoint,
} from '../leaderboard/live-leaderboard.js';
import { liveEvent, liveEventId, sentKey, type LiveFeed } from '../procedures/live-feed.js';
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
  /** The window and entries last sent, to skip a snapshot whose change is below this limit. */
  sent: string;
  /** Where the last event sent (or what the client resumed from) left it. */
  seen: LivePoint | undefined;
  /** False while its resume point is being found: publishes skip it. */
  ready: boolean;
}

/**
 * `leaderboard.live` subscriptions delivered as shared frames: a snapshot of a live board is
 * serialised once per distinct `limit`, and every subscriber of that board and limit is sent
 * the same bytes after its own id, where tRPC would run an async generator and serialise a
 * frame per subscriber. The events are the subscription's LiveFeed's (its board and window,
 * its limit, its resume point, the same event and the same rule for changes below the limit),
 * so only how the bytes move differs.
 */
export class LiveFanout {
  /** Subscribers by the live board they follow (a board leaves with its last subscriber). */
  private readonly subscribers = new Map<LiveLeaderboard, Set<Subscriber>>();
  private served = 0;

  constructor(boards: LiveBoards) {
    boards.onPublish((live, snapshot) => this.publish(live, snapshot));
  }

  /** Subscriptions being served. */
  get count(): number {
    return this.served;
  }

  /** Sends `feed`'s events to the socket after `head` until `signal` aborts. */
  async serve(socket: FanoutSocket, head: string, feed: LiveFeed, signal: AbortSignal): Promise<void> {
    const subscriber: Subscriber = {
      socket,
      feed,
      head: Buffer.from(head),
      sent: '',
      seen: undefined,
      ready: false,
    };
    const { live } = feed;
    let following = this.subscribers.get(live);
    if (!following) this.subscribers.set(live, (following = new Set()));
    following.add(subscriber);
    this.served += 1;
    const ended = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      subscriber.seen = await feed.resumePoint();
      if (signal.aborted) return;
      subscriber.ready = true;
      const now = live.current();
      if (isNewer(now, subscriber.seen)) this.deliver([subscriber], now);
      await ended;
    } finally {
      following.delete(subscriber);
      if (following.size === 0 && this.subscribers.get(live) === following) this.subscribers.delete(live);
      this.served -= 1;
    }
  }

  private publish(live: LiveLeaderboard, snapshot: LeaderboardSnapshot): void {
    const waiting: Subscriber[] = [];
    for (const subscriber of this.subscribers.get(live) ?? []) {
      if (subscriber.ready && isNewer(snapshot, subscriber.seen)) waiting.push(subscriber);
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
        frame = { entries: sentKey(event), tail };
        frames.set(limit, frame);
      }
      subscriber.seen = pointOf(snapshot);
      if (frame.entries === subscriber.sent) continue; // a change below this subscriber's limit
      subscriber.sent = frame.entries;
      subscriber.socket.send(Buffer.concat([subscriber.head, frame.tail]), { binary: false });
    }
  }
}
