import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

/**
 * How the stand-in answers each connection attempt: refuse the upgrade with HTTP 429, or
 * accept it and close with 1008 as soon as the client subscribes (what an older server did
 * with an expired token: the client had seen the socket open, so tRPC started its backoff over).
 */
export type Misbehaviour = 'refuse-429' | 'close-on-subscribe';

/** A stand-in for the server's `/trpc` WebSocket endpoint that never lets a client in. */
export interface FakeLiveServer {
  readonly url: string;
  /** When each upgrade request arrived (performance.now()). */
  readonly attempts: number[];
  /** Resolves once `count` attempts have arrived. */
  attempted(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeLiveServer(misbehaviour: Misbehaviour): Promise<FakeLiveServer> {
  const attempts: number[] = [];
  const waiters: Array<() => void> = [];
  const wss = new WebSocketServer({ noServer: true });
  const http = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy()); // a client that gives up resets the socket
    attempts.push(performance.now());
    for (const wake of waiters.splice(0)) wake();
    if (misbehaviour === 'refuse-429') {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        const text = String(data);
        if (text === 'PING' || text === 'PONG') return;
        const messages = [JSON.parse(text)].flat() as Array<{ method?: string }>;
        if (messages.some((m) => m.method === 'subscription')) ws.close(1008, 'Invalid token');
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    async attempted(count) {
      while (attempts.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
