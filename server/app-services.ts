import type { Authenticator } from './auth/authenticator.js';
import type { Config } from './config/config.js';
import type { LeaderboardService } from './leaderboard/leaderboard.service.js';
import type { LiveLeaderboard } from './leaderboard/live-leaderboard.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { AnomalyFlags } from './security/anomaly-flags.js';
import type { RequestGuard } from './security/request-guard.js';
import type { ScoreService } from './scores/score.service.js';
import type { SecurityAudit } from './security/security-audit.js';
import type { Storage } from './storage/storage.js';

/** Everything a request handler may need, built once at start. */
export interface AppServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly audit: SecurityAudit;
  readonly scores: ScoreService;
  readonly leaderboard: LeaderboardService;
  readonly live: LiveLeaderboard;
  readonly guard: RequestGuard;
  readonly flags: AnomalyFlags;
  readonly metrics: Metrics;
}
