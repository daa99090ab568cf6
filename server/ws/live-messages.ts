import { WebSocket, type RawData } from 'ws';
import type { GuardedSocket } from './guarded-socket.js';
import type { LiveFanout, RpcMessage } from './live-fanout.js';

/**
 * Hands a socket's `leaderboard.live` messages to the fan-out and the rest to tRPC. A message
 * is one JSON-RPC object or an array of them (a batch); a batch over the cap goes to tRPC
 * whole, which refuses it whole. Answers true when nothing is left for tRPC.
 */
export function takeLiveMessages(
  fanout: LiveFanout,
  socket: GuardedSocket,
  data: RawData,
  isBinary: boolean,
  maxBatch: number,
): boolean {
  if (isBinary) return false;
  const text = data.toString();
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return false; // PING, PONG
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false; // tRPC answers a parse error
  }
  if (!Array.isArray(parsed)) return isObject(parsed) && fanout.take(socket, parsed);
  if (parsed.length > maxBatch) return false;
  const rest = parsed.filter((message) => !(isObject(message) && fanout.take(socket, message)));
  if (rest.length === parsed.length) return false;
  if (rest.length === 0) return true;
  // Straight to tRPC's listener: this message was already counted against the socket's rate.
  WebSocket.prototype.emit.call(socket, 'message', Buffer.from(JSON.stringify(rest)), false);
  return true;
}

function isObject(value: unknown): value is RpcMessage {
  return typeof value === 'object' && value !== null;
}
