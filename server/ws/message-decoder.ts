import type { TRPCCombinedDataTransformer } from '@trpc/server';
import type { Encoder } from '@trpc/server/adapters/ws';
import { parseTRPCMessage, type TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import type { RequestId } from '../transport/trpc-wire.js';
import type { GuardedSocket } from './guarded-socket.js';
import type { Subscriptions } from './subscriptions.js';

/** The wire is plain JSON: no data transformer. */
const PLAIN_JSON: TRPCCombinedDataTransformer = {
  input: { serialize: (value) => value, deserialize: (value) => value },
  output: { serialize: (value) => value, deserialize: (value) => value },
};

type Taken = TRPCClientOutgoingMessage & { id: RequestId };

/** A subscription or a stop with an id: the messages the hand-served subscriptions take. */
function isTaken(message: TRPCClientOutgoingMessage): message is Taken {
  return message.id !== null && (message.method === 'subscription' || message.method === 'subscription.stop');
}

/**
 * The encoder tRPC's WebSocket handler uses for one socket (its `experimental_encoder`): frames
 * go out as JSON, as tRPC's own; a message comes in parsed once, and its subscriptions and
 * stops go to `subscriptions` while tRPC gets the rest. A message tRPC would refuse (not JSON,
 * a batch over the cap, an element that is not a valid request: a missing id, a nested array
 * for an id) goes to tRPC whole, which answers it as it always does; nothing is started.
 * The first message of a socket opened with `?connectionParams=1` is the params, read by tRPC.
 */
export function subscriptionTakingEncoder(
  socket: GuardedSocket,
  subscriptions: Subscriptions,
  maxBatch: number,
): Encoder {
  return {
    encode: (data) => JSON.stringify(data),
    decode(data) {
      if (typeof data !== 'string')
        throw new Error('Binary messages are not accepted: JSON uses text frames');
      const parsed: unknown = JSON.parse(data);
      if (socket.context === undefined) return parsed;
      const messages = Array.isArray(parsed) ? parsed : [parsed];
      if (messages.length > maxBatch) return parsed;
      let checked: TRPCClientOutgoingMessage[];
      try {
        checked = messages.map((message) => parseTRPCMessage(message, PLAIN_JSON));
      } catch {
        return parsed;
      }
      const rest = messages.filter((_, index) => {
        const message = checked[index]!;
        if (!isTaken(message)) return true;
        subscriptions.take(socket, message);
        return false;
      });
      return Array.isArray(parsed) ? rest : (rest[0] ?? []);
    },
  };
}
