import type { Refusal } from '../domain/refusal.js';
import type { RequestOrigin } from '../domain/request-origin.js';
import type { Logger } from '../observability/logger.js';
import type { AuditStore, SecurityEventCount } from '../storage/storage.js';

/**
 * Observes every refusal as it happens (metrics, anomaly flags); a returned promise is
 * awaited before the refusal is answered, so what it stores is there when the caller looks.
 */
export type RefusalObserver = (refusal: Refusal, origin: RequestOrigin) => void | Promise<void>;

/** How refusals are folded into rows. */
export interface AuditOptions {
  /** A row covers the refusals of one kind from one source for this long. */
  readonly windowMs: number;
  /** How often the counts held in memory are written. */
  readonly flushMs: number;
  /** Most windows open at once; past it the oldest is closed early. */
  readonly maxOpen: number;
}

export const DEFAULT_AUDIT_OPTIONS: AuditOptions = { windowMs: 60_000, flushMs: 1000, maxOpen: 10_000 };

interface Window {
  /** The row's id once inserted; undefined while the insert is under way (or failed). */
  id: number | undefined;
  readonly endsAt: number;
  /** Occurrences not yet written. */
  pending: number;
  lastAt: number;
  /** The row's subject and user id (the first refusal's), which an erasure deletes it by. */
  readonly subject: string | null;
  readonly userId: string | null;
}

/**
 * The audit trail. Refusals of one kind from one source are folded into one row per window:
 * the first is stored (and logged at warn) before the caller answers, later ones only raise a
 * count in memory that is written once a second. So a flood of refusals costs a row per
 * source and window and a write per second, not a row and a log line per request.
 *
 * The source is the verified subject and the client IP; an unverified subject (`unverified:`,
 * from a token that failed) is anyone's to write, so those refusals are keyed by IP alone and
 * the row keeps the first one's subject as a sample. The row also keeps the first refusal's
 * user id and reason.
 */
export class SecurityAudit {
  private readonly observers: RefusalObserver[] = [];
  private readonly open = new Map<string, Window>();
  private readonly closing: SecurityEventCount[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly options: AuditOptions = DEFAULT_AUDIT_OPTIONS,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** Adds an observer of every refusal. */
  observe(observer: RefusalObserver): void {
    this.observers.push(observer);
  }

  /** Records a refusal; never throws (a failing audit write is logged as an error). */
  async record(refusal: Refusal, origin: RequestOrigin): Promise<void> {
    const observed = this.observers.map((observer) => observer(refusal, origin));
    await Promise.all(observed);
    const now = Date.now();
    const key = keyOf(refusal, origin);
    const window = this.open.get(key);
    if (window && window.endsAt > now) {
      window.pending += 1;
      window.lastAt = now;
      return;
    }
    if (window) this.close(key, window);
    if (this.open.size >= this.options.maxOpen) this.closeOldest();
    const opened: Window = {
      id: undefined,
      endsAt: now + this.options.windowMs,
      pending: 0,
      lastAt: now,
      subject: origin.subject,
      userId: origin.userId,
    };
    this.open.set(key, opened);
    this.logger.warn(
      {
        event: 'refused',
        kind: refusal.kind,
        status: refusal.status,
        subject: origin.subject,
        ip: origin.ip,
        user_id: origin.userId,
        reqId: origin.requestId,
      },
      refusal.message,
    );
    try {
      opened.id = await this.store.insertEvent({
        kind: refusal.kind,
        subject: origin.subject,
        ip: origin.ip,
        userId: origin.userId,
        reason: refusal.message,
        at: now,
      });
    } catch (error) {
      if (this.open.get(key) === opened) this.open.delete(key);
      this.logger.error({ err: error, reqId: origin.requestId }, 'could not store a security event');
    }
  }

  /** Writes the counts held in memory and forgets windows that have ended. */
  flush(): Promise<void> {
    const now = Date.now();
    const counts = this.closing.splice(0);
    for (const [key, window] of this.open) {
      if (window.id !== undefined && window.pending > 0) {
        counts.push({ id: window.id, add: window.pending, lastAt: window.lastAt });
        window.pending = 0;
      }
      if (window.endsAt <= now && window.pending === 0 && window.id !== undefined) this.open.delete(key);
    }
    if (counts.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() =>
      this.store.addCounts(counts).catch((error: unknown) => {
        this.logger.error({ err: error }, 'could not store security event counts');
      }),
    );
    return this.flushing;
  }

  /**
   * Forgets the windows whose rows erasing `userId` deleted (see Storage.eraseUser): a later
   * refusal opens a new row instead of counting into one that is gone.
   */
  forgetUser(userId: string): void {
    const claimed = `unverified:${userId}`;
    for (const [key, window] of this.open) {
      if (window.userId === userId || window.subject === userId || window.subject === claimed) {
        this.open.delete(key);
      }
    }
  }

  /** Writes what is pending and stops the timer; call before the storage closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private close(key: string, window: Window): void {
    this.open.delete(key);
    if (window.id !== undefined && window.pending > 0) {
      this.closing.push({ id: window.id, add: window.pending, lastAt: window.lastAt });
    }
  }

  private closeOldest(): void {
    const first = this.open.entries().next().value;
    if (first) this.close(first[0], first[1]);
  }
}

function keyOf(refusal: Refusal, origin: RequestOrigin): string {
  const verified = origin.subject !== null && !origin.subject.startsWith('unverified:');
  return `${refusal.kind}\u0000${verified ? origin.subject : ''}\u0000${origin.ip ?? ''}`;
}
