import { connect, type Socket } from 'node:net';
import { serviceToken } from './tokens.js';

/**
 * An update whose headers the server has accepted (it answered `100 Continue`), with its body
 * still to come: an in-flight request, provably inside the server.
 */
export async function inFlightUpdate(port: number, user: string, action: string, score: number) {
  const body = JSON.stringify({ user_id: user, action_id: action, new_score: score });
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk) => {
    answer += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  socket.write(
    `POST /update-score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${serviceToken()}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Expect: 100-continue\r\n\r\n`,
  );
  await until(() => answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
  return {
    /** Sends the body; resolves with the final response (status line and body). */
    async finish(): Promise<{ status: string; body: string }> {
      socket.end(body);
      await closed;
      const final = answer.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
      return { status: final.split('\r\n')[0]!, body: final.slice(final.indexOf('\r\n\r\n') + 4) };
    },
  };
}
