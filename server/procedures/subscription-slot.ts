import { TRPCError } from '@trpc/server';
import type { ConnectionState } from './context.js';

/**
 * Takes one of the connection's subscription slots, or throws TOO_MANY_REQUESTS past
 * WS_MAX_SUBSCRIPTIONS (the connection's other subscriptions go on). Answers the release,
 * which may be called any number of times.
 */
export function holdSlot(connection: ConnectionState | undefined): () => void {
  if (!connection) return () => {};
  if (connection.subscriptions >= connection.maxSubscriptions) {
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `A connection may hold at most ${connection.maxSubscriptions} subscriptions (WS_MAX_SUBSCRIPTIONS)`,
    });
  }
  connection.subscriptions += 1;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    connection.subscriptions -= 1;
  };
}

/**
 * A subscription's events while it holds its slot: the slot is given back when the events end,
 * fail, or `signal` aborts (the client stopped it, or the connection closed). `source` is the
 * resolver's own iterable, for a transport that delivers it its own way (the live fan-out).
 */
export class HeldSubscription<E> implements AsyncIterable<E> {
  constructor(
    readonly source: AsyncIterable<E>,
    private readonly release: () => void,
    signal: AbortSignal,
  ) {
    if (signal.aborted) release();
    else signal.addEventListener('abort', release, { once: true });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<E> {
    try {
      yield* this.source;
    } finally {
      this.release();
    }
  }
}
