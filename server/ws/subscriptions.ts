import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import type { TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import { WebSocket } from 'ws';
import type { InternalErrorReporter } from '../observability/internal-errors.js';
import { PROCEDURE_PATHS } from '../procedures/catalogue.js';
import { LiveFeed } from '../procedures/live-feed.js';
import { runProcedure } from '../procedures/run-procedure.js';
import type { HeldSubscription } from '../procedures/subscription-slot.js';
import {
  dataResult,
  errorShape,
  errorTail,
  frameHead,
  resultTail,
  type RequestId,
} from '../transport/trpc-wire.js';
import type { GuardedSocket } from './guarded-socket.js';
import type { LiveFanout } from './live-fanout.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every subscription of every socket, served here rather than by tRPC's WebSocket handler
 * (which serves the queries and mutations), so that one registry of request ids covers all of
 * them: a duplicate id is refused whichever procedure holds it, and a stop ends exactly the one
 * it names. The protocol is tRPC's, frame for frame (`started`, data, `stopped`, errors); each
 * subscription runs its definition through runProcedure, the steps tRPC's router runs, and
 * `leaderboard.live` is then delivered as shared frames by the fan-out.
 */
export class Subscriptions {
  private readonly sockets = new Map<GuardedSocket, Map<RequestId, AbortController>>();

  constructor(
    private readonly fanout: LiveFanout,
    private readonly reportInternal: InternalErrorReporter,
    private readonly maxBatch: number,
  ) {}

  /** Starts or stops a subscription; the message was checked by tRPC's parseTRPCMessage. */
  take(socket: GuardedSocket, message: TRPCClientOutgoingMessage & { id: RequestId }): void {
    try {
      this.start(socket, message);
    } catch (cause) {
      this.reportInternal(cause, { transport: 'ws', requestId: socket.meta.requestId });
      const error = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause });
      this.send(socket, frameHead(message.id, message.jsonrpc) + errorTail(errorShape(error, undefined)));
    }
  }

  private start(socket: GuardedSocket, message: TRPCClientOutgoingMessage & { id: RequestId }): void {
    let running = this.sockets.get(socket);
    if (!running) this.sockets.set(socket, (running = new Map()));
    if (message.method === 'subscription.stop') return running.get(message.id)?.abort();
    if (message.method !== 'subscription') return;
    const { id, jsonrpc, params } = message;
    const head = frameHead(id, jsonrpc);
    if (running.has(id)) {
      const duplicate = new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` });
      return this.send(socket, head + errorTail(errorShape(duplicate, params.path, this.maxBatch)));
    }
    // As tRPC's adapter: a `lastEventId` beside the input (tRPC's client sends it so on resume) joins it.
    let input = params.input;
    if (params.lastEventId !== undefined) {
      if (isObject(input)) input = { ...input, lastEventId: params.lastEventId };
      else input ??= { lastEventId: params.lastEventId };
    }
    const stop = new AbortController();
    running.set(id, stop);
    this.serve(socket, head, params.path, input, stop.signal)
      .then(
        (ended) => {
          if (running.get(id) === stop) running.delete(id);
          // Whatever the resolver holds (a live board, a watch) is let go: a socket that closed
          // while the subscription was starting is no longer in `running` for closed() to stop.
          stop.abort();
          if (ended) this.send(socket, head + resultTail({ type: 'stopped' }));
        },
        (cause: unknown) => {
          if (running.get(id) === stop) running.delete(id);
          stop.abort();
          const error = getTRPCErrorFromUnknown(cause);
          if (error.code === 'INTERNAL_SERVER_ERROR')
            this.reportInternal(error.cause ?? error, {
              transport: 'ws',
              requestId: socket.meta.requestId,
              path: params.path,
            });
          this.send(socket, head + errorTail(errorShape(error, params.path, this.maxBatch)));
        },
      )
      .catch((error: unknown) =>
        this.reportInternal(error, { transport: 'ws', requestId: socket.meta.requestId }),
      );
  }

  /** Stops every subscription of a socket that closed. */
  closed(socket: GuardedSocket): void {
    for (const stop of this.sockets.get(socket)?.values() ?? []) stop.abort();
    this.sockets.delete(socket);
  }

  /**
   * Runs one subscription until it is stopped or its events end; resolves true when the client
   * is to be told `stopped`. Throws what the client is to be told as an error instead.
   */
  private async serve(
    socket: GuardedSocket,
    head: string,
    path: string,
    input: unknown,
    signal: AbortSignal,
  ): Promise<boolean> {
    const ctx = await socket.context!;
    if (signal.aborted || socket.readyState !== WebSocket.OPEN) return true;
    const definition = PROCEDURE_PATHS.get(path);
    if (definition?.kind !== 'subscription') {
      throw new TRPCError({ code: 'NOT_FOUND', message: `No "subscription"-procedure on path "${path}"` });
    }
    const events = (await runProcedure(
      definition,
      ctx,
      async () => input,
      signal,
    )) as HeldSubscription<unknown>;
    if (signal.aborted || socket.readyState !== WebSocket.OPEN) return true;
    this.send(socket, head + resultTail({ type: 'started' }));
    if (events.source instanceof LiveFeed) {
      await this.fanout.serve(socket, head, events.source, signal);
      return true;
    }
    // Resolvers end their events when `signal` aborts, so the loop needs no race with it.
    for await (const value of events) {
      if (signal.aborted) break;
      this.send(socket, head + resultTail(dataResult(value)));
    }
    return true;
  }

  /** Answers on the socket while it is open (a closing socket gets nothing, as in tRPC). */
  private send(socket: GuardedSocket, frame: string): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(frame);
  }
}
