import { TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { liveQuerySchema } from '../../shared/schemas.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { LeaderboardSnapshot, LiveLeaderboard } from '../leaderboard/live-leaderboard.js';
import type { RequestGate } from '../security/request-gate.js';
import type { ConnectionState } from '../trpc/context.js';
import { resumeFrom } from '../leaderboard/resume.js';
import { appRouter } from '../trpc/routers/_app.js';
import { subscriptionSlotsFull } from '../trpc/trpc.js';

const PATH = 'leaderboard.live';
const config = appRouter._def._config;

/** What the fan-out needs of a socket. */
export interface FanoutSocket {
  send(data: Buffer | string, options?: { binary?: boolean }): void;
  readonly connection: ConnectionState;
  readonly meta: RequestMeta;
}

/** A client's JSON-RPC request, as far as the fan-out reads it. */
export interface RpcMessage {
  readonly id?: unknown;
  readonly jsonrpc?: unknown;
  readonly method?: unknown;
  readonly params?: { readonly path?: unknown; readonly input?: unknown };
}

interface Subscriber {
  readonly socket: FanoutSocket;
  readonly limit: number;
  /** `{"id":<id>[,"jsonrpc":"2.0"]`: how this subscriber's frames start. */
  readonly head: string;
  readonly headBytes: Buffer;
  /** The entries JSON last sent, to skip a snapshot whose change is below this limit. */
  sent: string;
  /** The version of the last event sent (or of what the client resumed with). */
  seen: number;
  /** False while its resume point is being found: publishes skip it. */
  ready: boolean;
  /** Whether it holds one of the connection's subscription slots. */
  counted: boolean;
}

/** A socket's subscriptions, and a signal that aborts when the socket closes. */
interface SocketSubscriptions {
  readonly byId: Map<string, Subscriber>;
  readonly closed: AbortController;
}

const idKey = (id: unknown) => JSON.stringify(id);

/**
 * `leaderboard.live` over the WebSocket, fanned out by hand: a snapshot is serialised once per
 * distinct `limit`, and every subscriber of that limit is sent the same bytes after its own
 * id, where tRPC would serialise a frame, and run an async generator, per subscriber. The wire
 * format stays tRPC's, byte for byte (`test/live/live-fanout-wire.test.ts` compares the two),
 * and so do its rules: the input schema, the read budget, the subscription slots, resuming.
 * Every other message goes to tRPC.
 */
export class LiveFanout {
  private readonly sockets = new Map<FanoutSocket, SocketSubscriptions>();

  constructor(
    private readonly live: LiveLeaderboard,
    private readonly gate: RequestGate,
    private readonly size: number,
  ) {
    live.onPublish((snapshot) => this.publish(snapshot));
  }

  /** Subscriptions being served. */
  get count(): number {
    let count = 0;
    for (const { byId } of this.sockets.values()) count += byId.size;
    return count;
  }

  /** Takes a message meant for the fan-out (answers true), or leaves it to tRPC (false). */
  take(socket: FanoutSocket, message: RpcMessage): boolean {
    if (message.method === 'subscription' && message.params?.path === PATH) {
      void this.subscribe(socket, message);
      return true;
    }
    if (message.method === 'subscription.stop' && this.sockets.get(socket)?.byId.has(idKey(message.id))) {
      this.stop(socket, message);
      return true;
    }
    return false;
  }

  /** Forgets a socket's subscriptions (it closed). */
  closed(socket: FanoutSocket): void {
    this.sockets.get(socket)?.closed.abort();
    this.sockets.delete(socket);
  }

  private async subscribe(socket: FanoutSocket, message: RpcMessage): Promise<void> {
    const { id, jsonrpc } = message;
    const head = `{"id":${idKey(id)}${jsonrpc === '2.0' ? ',"jsonrpc":"2.0"' : ''}`;
    const fail = (error: TRPCError) => {
      const shape = getErrorShape({
        config,
        ctx: undefined,
        error,
        input: undefined,
        path: PATH,
        type: 'subscription',
      });
      socket.send(`${head},"error":${JSON.stringify(shape)}}`);
    };
    const key = idKey(id);
    const { byId: subs, closed } = this.socketSubscriptions(socket);
    if (subs.has(key))
      return fail(new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${String(id)}` }));
    const input = liveQuerySchema.optional().safeParse(message.params?.input);
    if (!input.success) return fail(new TRPCError({ code: 'BAD_REQUEST', cause: input.error }));
    // The id is taken from here on, while the budget is checked and the resume point found;
    // publishes skip the subscriber until it is ready.
    const subscriber: Subscriber = {
      socket,
      limit: Math.min(input.data?.limit ?? this.size, this.size),
      head,
      headBytes: Buffer.from(head),
      sent: '',
      seen: -1,
      ready: false,
      counted: false,
    };
    subs.set(key, subscriber);
    const limited = await this.gate.admitRead(socket.meta);
    if (closed.signal.aborted || subs.get(key) !== subscriber) return; // closed or stopped meanwhile
    const refusal = limited
      ? new TRPCError({ code: 'TOO_MANY_REQUESTS', message: limited.message })
      : subscriptionSlotsFull(socket.connection);
    if (refusal) {
      subs.delete(key);
      return fail(refusal);
    }
    socket.connection.subscriptions += 1;
    subscriber.counted = true;
    socket.send(`${head},"result":{"type":"started"}}`);
    subscriber.seen = await resumeFrom(this.live, input.data?.lastEventId, closed.signal);
    if (closed.signal.aborted || subs.get(key) !== subscriber) return; // closed or stopped meanwhile
    subscriber.ready = true;
    const now = this.live.current();
    if (now.version > subscriber.seen || subscriber.seen < 0) this.deliver([subscriber], now);
  }

  private socketSubscriptions(socket: FanoutSocket): SocketSubscriptions {
    let entry = this.sockets.get(socket);
    if (!entry) {
      entry = { byId: new Map(), closed: new AbortController() };
      this.sockets.set(socket, entry);
    }
    return entry;
  }

  private stop(socket: FanoutSocket, message: RpcMessage): void {
    const subs = this.sockets.get(socket)!.byId;
    const subscriber = subs.get(idKey(message.id))!;
    subs.delete(idKey(message.id));
    if (subscriber.counted) socket.connection.subscriptions -= 1;
    socket.send(`${subscriber.head},"result":{"type":"stopped"}}`);
  }

  private publish(snapshot: LeaderboardSnapshot): void {
    const waiting: Subscriber[] = [];
    for (const { byId } of this.sockets.values()) {
      for (const subscriber of byId.values()) {
        if (subscriber.ready && snapshot.version > subscriber.seen) waiting.push(subscriber);
      }
    }
    this.deliver(waiting, snapshot);
  }

  /** Sends `snapshot` to each subscriber, serialising it once per distinct limit. */
  private deliver(subscribers: readonly Subscriber[], snapshot: LeaderboardSnapshot): void {
    const frames = new Map<number, { entries: string; tail: Buffer }>();
    const eventId = JSON.stringify(`${snapshot.epoch}:${snapshot.version}`);
    for (const subscriber of subscribers) {
      let frame = frames.get(subscriber.limit);
      if (!frame) {
        const entries = JSON.stringify(snapshot.entries.slice(0, subscriber.limit));
        // tRPC's key order for a tracked event: type, data, then id.
        const tail = Buffer.from(
          `,"result":{"type":"data","data":{"id":${eventId},"data":{"version":${snapshot.version},"entries":${entries}}},"id":${eventId}}}`,
        );
        frame = { entries, tail };
        frames.set(subscriber.limit, frame);
      }
      subscriber.seen = snapshot.version;
      if (frame.entries === subscriber.sent) continue; // a change below this subscriber's limit
      subscriber.sent = frame.entries;
      subscriber.socket.send(Buffer.concat([subscriber.headBytes, frame.tail]), { binary: false });
    }
  }
}
