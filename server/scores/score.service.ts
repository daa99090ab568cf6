import type { UpdateScoreInput } from '../../shared/schemas.js';
import { hasRole, ROLE_SERVICE, type Principal } from '../auth/principal.js';
import { refuse, STORAGE_UNAVAILABLE, type Refusal } from '../domain/refusal.js';
import type { RequestMeta, RequestOrigin } from '../domain/request-origin.js';
import type { Result } from '../domain/result.js';
import type { ScoreRecord } from '../domain/score-record.js';
import type { BoardFollower } from '../leaderboard/board-follower.js';
import type { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestGuard } from '../security/request-guard.js';
import type { SecurityAudit } from '../security/security-audit.js';
import { StorageUnavailableError, type ScoreStore } from '../storage/storage.js';
import { createJudge, mayDecrease } from '../domain/score-rules.js';
import { GLOBAL_BOARD_ID, type Board } from '../domain/board.js';
import type { Judge } from '../domain/verdict.js';
import { archivedBoard, unknownBoard } from '../boards/board-refusals.js';
import type { BoardCatalog } from '../leaderboard/leaderboard.service.js';

/** A committed (or replayed) update, as both adapters answer it. */
export interface ScoreUpdate {
  readonly boardId: string;
  readonly userId: string;
  /** The score this update set (for a replay: what the original update set). */
  readonly score: number;
  /** The score before this update (for a replay: before the original update). */
  readonly previousScore: number;
  readonly applied: boolean;
  /** The user's stored score now, for its rank (undefined: none, an admin removed it since). */
  readonly current: ScoreRecord | undefined;
}

/** Dependencies of the score service. */
export interface ScoreServiceDeps {
  readonly scores: ScoreStore;
  readonly leaderboard: LeaderboardService;
  /** Where committed changes go: this instance's board first, then the other instances. */
  readonly follower: BoardFollower;
  readonly audit: SecurityAudit;
  readonly guard: RequestGuard;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly boards: BoardCatalog;
}

const FORBIDDEN = refuse('forbidden', 'This token may only update the score of its own user');

/**
 * The one place a score changes. `POST /update-score` and `scores.update` both call
 * `update`: one set of rules, one code path, two adapters.
 */
export class ScoreService {
  /** Each board's two judges (for callers who may and may not lower a total), made once. */
  private readonly judges = new WeakMap<Board, { readonly mayDecrease: Judge; readonly mayNot: Judge }>();

  constructor(private readonly deps: ScoreServiceDeps) {}

  private judgesOf(board: Board): { readonly mayDecrease: Judge; readonly mayNot: Judge } {
    let judges = this.judges.get(board);
    if (!judges) {
      judges = { mayDecrease: createJudge(board, true), mayNot: createJudge(board, false) };
      this.judges.set(board, judges);
    }
    return judges;
  }

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

  /**
   * The rank of a stored score, or null when there is none (a replay of an update whose
   * score an admin removed since) or it cannot be had right now: the update it belongs to is
   * committed, and a failure here must not turn it into an error.
   */
  async rankOf(boardId: string, record: ScoreRecord | undefined, requestId?: string): Promise<number | null> {
    if (!record) return null;
    try {
      return this.deps.leaderboard.rankOf(boardId, record);
    } catch (err) {
      this.deps.logger.error({ err, reqId: requestId }, 'could not rank a committed score');
      return null;
    }
  }

  private async apply(
    principal: Principal,
    input: UpdateScoreInput,
    meta: RequestMeta,
  ): Promise<Result<ScoreUpdate>> {
    const isService = hasRole(principal, ROLE_SERVICE);
    const origin: RequestOrigin = { ...meta, subject: principal.subject, userId: input.user_id };
    if (!isService && principal.subject !== input.user_id) return this.refused(FORBIDDEN, origin);
    const boardId = input.board ?? GLOBAL_BOARD_ID;
    const board = this.deps.boards.get(boardId);
    if (!board) return this.refused(unknownBoard(boardId), origin);
    if (board.archived) return this.refused(archivedBoard(boardId), origin);
    const limited = await this.deps.guard.limitUser(input.user_id);
    if (limited) return this.refused(limited, origin);
    const command = {
      board,
      userId: input.user_id,
      actionId: input.action_id,
      newScore: input.new_score,
      subject: principal.subject,
      ip: meta.ip,
    };
    const judges = this.judgesOf(board);
    const judge = mayDecrease(board.rules.decrease, isService) ? judges.mayDecrease : judges.mayNot;
    let outcome;
    try {
      outcome = await this.deps.scores.applyUpdate(command, judge);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      return this.refused(STORAGE_UNAVAILABLE, origin);
    }
    if (outcome.kind === 'refused') return this.refused(outcome.refusal, origin);
    if (outcome.kind === 'replayed') {
      const { prior, current } = outcome;
      return {
        ok: true,
        value: {
          boardId,
          userId: input.user_id,
          score: prior.newScore,
          previousScore: prior.previousScore,
          applied: false,
          current,
        },
      };
    }
    // The update is committed: a failure to refresh the cache must not turn it into an error.
    await this.deps.follower.committed(outcome.committed).catch((err: unknown) => {
      this.deps.logger.error({ err, reqId: meta.requestId }, 'leaderboard cache refresh failed');
    });
    return {
      ok: true,
      value: {
        boardId,
        userId: input.user_id,
        score: outcome.record.score,
        previousScore: outcome.previousScore,
        // A `best` run that beat nothing is recorded, and changes no window.
        applied: board.operator !== 'best' || outcome.changed,
        current: outcome.record,
      },
    };
  }

  private async refused(refusal: Refusal, origin: RequestOrigin): Promise<Result<never>> {
    await this.deps.audit.record(refusal, origin);
    return { ok: false, refusal };
  }
}
