import type { UpdateScoreInput } from '../../shared/schemas.js';
import { hasRole, ROLE_SERVICE, type Principal } from '../auth/principal.js';
import type { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestGuard } from '../security/request-guard.js';
import type { RequestOrigin, SecurityAudit } from '../security/security-audit.js';
import { StorageUnavailableError, type ScoreRecord, type Storage } from '../storage/storage.js';
import { refuse, type Refusal } from './refusal.js';
import { mayDecrease, type ScoreRules } from './score.rules.js';

/** A committed (or replayed) update. */
export interface ScoreUpdate {
  readonly record: ScoreRecord;
  readonly previousScore: number;
  readonly applied: boolean;
}

/** Either the value, or the refusal the caller answers with. */
export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/** Where the request came from, for the audit trail. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly requestId?: string;
}

/** Dependencies of the score service. */
export interface ScoreServiceDeps {
  storage: Storage;
  leaderboard: LeaderboardService;
  audit: SecurityAudit;
  guard: RequestGuard;
  metrics: Metrics;
  logger: Logger;
  rules: ScoreRules;
}

/**
 * The one place a score changes. `POST /update-score` and `scores.update` both call
 * `update`: one set of rules, one code path, two adapters.
 */
export class ScoreService {
  constructor(private readonly deps: ScoreServiceDeps) {}

  /** Authorizes, rate-limits, applies the score rules, commits, and updates the leaderboard. */
  async update(
    principal: Principal,
    input: UpdateScoreInput,
    meta: RequestMeta,
  ): Promise<Result<ScoreUpdate>> {
    const stopTimer = this.deps.metrics.updateSeconds.startTimer();
    const result = await this.apply(principal, input, meta);
    stopTimer();
    const outcome = result.ok ? (result.value.applied ? 'applied' : 'replayed') : result.refusal.kind;
    this.deps.metrics.updates.inc({ outcome });
    return result;
  }

  private async apply(
    principal: Principal,
    input: UpdateScoreInput,
    meta: RequestMeta,
  ): Promise<Result<ScoreUpdate>> {
    const isService = hasRole(principal, ROLE_SERVICE);
    const origin = {
      subject: principal.subject,
      ip: meta.ip,
      userId: input.user_id,
      requestId: meta.requestId,
    };
    if (!isService && principal.subject !== input.user_id) {
      return this.refused(
        refuse('forbidden', 'This token may only update the score of its own user'),
        origin,
      );
    }
    const limited = await this.deps.guard.limitUser(input.user_id);
    if (limited) return this.refused(limited, origin);
    const command = {
      userId: input.user_id,
      actionId: input.action_id,
      newScore: input.new_score,
      subject: principal.subject,
      ip: meta.ip,
    };
    let outcome;
    try {
      outcome = await this.deps.storage.applyUpdate(
        command,
        mayDecrease(this.deps.rules.decrease, isService),
      );
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      return this.refused(
        refuse('unavailable', 'Storage is unavailable; the score was not updated'),
        origin,
        true,
      );
    }
    if (outcome.kind === 'refused') return this.refused(outcome.refusal, origin, true);
    if (outcome.kind === 'applied') {
      // The update is committed: a failure to refresh the cache must not turn it into an error.
      await this.deps.leaderboard.record(outcome.record).catch((err: unknown) => {
        this.deps.logger.error({ err, reqId: meta.requestId }, 'leaderboard cache refresh failed');
      });
    }
    return {
      ok: true,
      value: {
        record: outcome.record,
        previousScore: outcome.previousScore,
        applied: outcome.kind === 'applied',
      },
    };
  }

  /** Records a refusal decided before the service (bad token, bad input) and returns it. */
  async refuseRequest(refusal: Refusal, origin: RequestOrigin): Promise<Result<never>> {
    return this.refused(refusal, origin);
  }

  private async refused(refusal: Refusal, origin: RequestOrigin, stored = false): Promise<Result<never>> {
    await this.deps.audit.record(refusal, origin, stored);
    return { ok: false, refusal };
  }
}
