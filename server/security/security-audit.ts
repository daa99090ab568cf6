import type { Logger } from '../observability/logger.js';
import type { Refusal } from '../scores/refusal.js';
import type { Storage } from '../storage/storage.js';

/** Where a refused request came from. */
export interface RequestOrigin {
  readonly subject: string | null;
  readonly ip: string | null;
  readonly userId: string | null;
  readonly requestId?: string;
}

/** Observes every refusal after it is recorded (metrics, anomaly flags). */
export type RefusalObserver = (refusal: Refusal, origin: RequestOrigin) => void;

/**
 * The audit trail: every refusal becomes a security event in the database and a warn-level
 * log line. Refusals decided inside the write transaction are stored there; `stored` says so.
 */
export class SecurityAudit {
  private readonly observers: RefusalObserver[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {}

  /** Adds an observer of every refusal. */
  observe(observer: RefusalObserver): void {
    this.observers.push(observer);
  }

  /** Records a refusal; never throws (a failing audit write is logged as an error). */
  async record(refusal: Refusal, origin: RequestOrigin, stored = false): Promise<void> {
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
    for (const observer of this.observers) observer(refusal, origin);
    if (stored) return;
    try {
      await this.storage.recordSecurityEvent({
        kind: refusal.kind,
        subject: origin.subject,
        ip: origin.ip,
        userId: origin.userId,
        reason: refusal.message,
      });
    } catch (error) {
      this.logger.error({ err: error, reqId: origin.requestId }, 'could not store a security event');
    }
  }
}
