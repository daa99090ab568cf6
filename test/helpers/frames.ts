import WebSocket from 'ws';
import { until } from './until.js';

/** A bare WebSocket that records every frame the server sends (parsed when it is JSON). */
export class FrameSocket {
  readonly frames: any[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      try {
        this.frames.push(JSON.parse(text));
      } catch {
        this.frames.push(text);
      }
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  /** Opens a socket to a test server's `/trpc` (with `?connectionParams=1` when params are given). */
  static async open(
    serverUrl: string,
    connectionParams?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<FrameSocket> {
    const url = `${serverUrl.replace(/^http/, 'ws')}/trpc${connectionParams ? '?connectionParams=1' : ''}`;
    const ws = new WebSocket(url, { headers });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const socket = new FrameSocket(ws);
    if (connectionParams) socket.send({ method: 'connectionParams', data: connectionParams });
    return socket;
  }

  /** Sends a message (JSON-encoded unless it is already text). */
  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The frames answering request `id`, in order. */
  of(id: unknown): any[] {
    return this.frames.filter((frame) => typeof frame === 'object' && frame !== null && frame.id === id);
  }

  /** Waits until `predicate` holds for the frames received so far. */
  until(predicate: (self: FrameSocket) => boolean, what = 'a condition', ms?: number): Promise<void> {
    return until(
      () => predicate(this),
      () => `${what}; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`,
      ms,
    );
  }

  /** Sends a query and waits for its answer: the socket is still served. */
  async roundTrip(id: string): Promise<void> {
    this.send({ id, method: 'query', params: { path: 'leaderboard.top', input: { limit: 1 } } });
    await this.until((self) => self.of(id).length > 0, `the answer to ${id}`);
  }

  close(): void {
    this.ws.terminate();
  }
}
