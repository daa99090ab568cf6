import WebSocket from 'ws';

/** A leaderboard event as it travels on the wire. */
export interface WireSnapshot {
  version: number;
  entries: Array<{ rank: number; user_id: string; score: number }>;
}

/**
 * A bare WebSocket client that speaks tRPC's wire protocol by hand (no SDK), to prove that
 * any language can subscribe. Collects every data frame of subscription id 1.
 */
export class RawSubscriber {
  readonly snapshots: WireSnapshot[] = [];
  readonly eventIds: string[] = [];
  readonly messages: any[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      this.messages.push(message);
      if (message.id === 1 && message.result?.type === 'data') {
        // A tracked event arrives as result.id plus result.data = {id, data}.
        this.snapshots.push(message.result.data.data);
        this.eventIds.push(message.result.id);
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Connects and subscribes to `leaderboard.live` with the given input. */
  static async open(
    url: string,
    input: Record<string, unknown> = {},
    options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ): Promise<RawSubscriber> {
    const wsUrl =
      url.replace(/^http/, 'ws') + '/trpc' + (options.connectionParams ? '?connectionParams=1' : '');
    const ws = new WebSocket(wsUrl, { headers: options.headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const subscriber = new RawSubscriber(ws);
    if (options.connectionParams)
      ws.send(JSON.stringify({ method: 'connectionParams', data: options.connectionParams }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'leaderboard.live', input } }));
    return subscriber;
  }

  /** The newest snapshot received, if any. */
  get latest(): WireSnapshot | undefined {
    return this.snapshots.at(-1);
  }

  /** Resolves when `predicate` holds for the received messages; rejects after `ms`. */
  async until(predicate: (self: RawSubscriber) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`condition not met; last snapshot: ${JSON.stringify(this.latest)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
