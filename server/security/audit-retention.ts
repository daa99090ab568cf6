import type { Logger } from '../observability/logger.js';
import type { AuditStore } from '../storage/storage.js';

const DAY_MS = 86_400_000;
/** How often old security events are looked for, besides once at start. */
export const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Keeps the audit trail to `retentionDays`: events whose latest occurrence is older are
 * deleted at start and every hour, in small transactions (see the store's prune).
 */
export class AuditRetention {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly store: AuditStore,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Deletes what is past retention now; resolves with how many events went. */
  prune(now = Date.now()): Promise<number> {
    this.running = this.running.then(async () => {
      try {
        const deleted = await this.store.prune(now - this.retentionDays * DAY_MS);
        if (deleted > 0)
          this.logger.info({ event: 'security_events_pruned', deleted }, 'pruned old security events');
        return deleted;
      } catch (error) {
        this.logger.error({ err: error }, 'could not prune security events');
        return 0;
      }
    });
    return this.running;
  }

  /** Stops the hourly pruning and waits for one under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
