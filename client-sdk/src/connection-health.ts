/**
 * Why the live connection failed: the `cause` of the `TRPCClientError` that `onError` gets for
 * connection problems. The SDK keeps retrying after each of them.
 */
export class LiveConnectionError extends Error {
  override readonly name = 'LiveConnectionError';

  constructor(
    message: string,
    /** `refused` (upgrade answered with an HTTP status), `unreachable`, `closed`, or `token` (getToken failed). */
    readonly reason: 'refused' | 'unreachable' | 'closed' | 'token',
    /** Extra facts, when the runtime gives them: the HTTP status of a refused upgrade, the close code. */
    readonly details: { status?: number; closeCode?: number; failures?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // Raised from socket events, not from a call: the stack would only list event plumbing.
    this.stack = `${this.name}: ${message}`;
  }
}

/** A failure of the live connection, and whether another socket still serves the board. */
export interface ConnectionFailure {
  readonly error: LiveConnectionError;
  /** True when it counts towards the backoff: an attempt that failed or a socket that died young. */
  readonly streak: boolean;
  /** True when another socket is still open (e.g. a replacement attempt failed): the board is live. */
  readonly boardLive: boolean;
}

/** A connection that lives at least this long proves the server takes us: the backoff starts over. */
export const STABLE_AFTER_MS = 5_000;
const FIRST_DELAY_MS = 250;
/** With +25 % jitter on top, no wait is longer than 10 s. */
const MAX_NOMINAL_DELAY_MS = 8_000;
/** Close codes of a server that is going away or restarting and says so: never news. */
const RESTART_CLOSE_CODES = new Set([1001, 1012]);
/** Normal closes (1005: no code given), news only when they come right after the open. */
const NORMAL_CLOSE_CODES = new Set([1000, 1005]);

/**
 * Counts failed connection attempts and sockets that closed soon after they opened, and turns
 * the count into the reconnect delay. tRPC's own attempt index starts over whenever a socket
 * opens, so a server that accepts and then closes (a bad token on an older server, a policy
 * close) would be retried every 250 ms for ever; this count only starts over once a socket
 * stayed up for {@link STABLE_AFTER_MS}.
 */
export class ConnectionHealth {
  private failures = 0;
  /** Open sockets, by the time they opened. */
  private readonly openSince = new Map<object, number>();

  constructor(
    private readonly report: (failure: ConnectionFailure) => void,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** How long to wait before the next attempt: 250 ms doubling per failure, ±25 % jitter, at most 10 s. */
  delayMs(): number {
    this.settle();
    const nominal = Math.min(MAX_NOMINAL_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, this.failures - 1));
    return nominal * (0.75 + this.random() * 0.5);
  }

  /** Failed attempts and short-lived sockets since the last stable connection. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  opened(socket: object): void {
    this.openSince.set(socket, this.now());
  }

  /** A socket failed before it opened (refused upgrade, unreachable host). */
  failedToOpen(socket: object, message: string | undefined): void {
    if (this.openSince.has(socket)) return; // an error on an open socket is reported by its close
    this.failures += 1;
    // `ws` says "Unexpected server response: 429"; browsers say nothing at all.
    const status = /server response: (\d{3})/.exec(message ?? '')?.[1];
    const error = status
      ? new LiveConnectionError(`Live connection refused by the server (HTTP ${status})`, 'refused', {
          status: Number(status),
          failures: this.failures,
        })
      : new LiveConnectionError(
          `Live connection failed${message ? `: ${message}` : ' (server unreachable or upgrade refused)'}`,
          'unreachable',
          { failures: this.failures },
        );
    this.report({ error, streak: true, boardLive: this.openSince.size > 0 });
  }

  /** A socket that had opened closed; `byUs` when this client closed it (idle, replaced, close()). */
  closed(socket: object, code: number, reason: string, byUs: boolean): void {
    const since = this.openSince.get(socket);
    if (since === undefined) return;
    this.openSince.delete(socket);
    const lived = this.now() - since;
    if (lived >= STABLE_AFTER_MS) this.failures = 0;
    if (byUs) return;
    const young = lived < STABLE_AFTER_MS;
    // Even a restart notice counts when it comes that soon: a server in a restart loop is
    // retried ever more slowly too.
    if (young) this.failures += 1;
    if (RESTART_CLOSE_CODES.has(code) || (!young && NORMAL_CLOSE_CODES.has(code))) return;
    const why = `${code}${reason ? ` ${reason}` : ''}`;
    const error = new LiveConnectionError(
      young
        ? `Live connection closed by the server ${Math.round(lived)} ms after it opened (${why})`
        : `Live connection closed abnormally (${why})`,
      'closed',
      { closeCode: code, failures: this.failures },
    );
    this.report({ error, streak: young, boardLive: this.openSince.size > 0 });
  }

  /** A socket open for long enough resets the count even before it closes (e.g. server-asked reconnects). */
  private settle(): void {
    const now = this.now();
    for (const since of this.openSince.values()) {
      if (now - since >= STABLE_AFTER_MS) this.failures = 0;
    }
  }
}
