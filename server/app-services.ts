import type { AdminService } from './admin/admin.service.js';
import type { Authenticator } from './auth/authenticator.js';
import type { BoardRegistry } from './boards/board-registry.js';
import type { Config } from './config/config.js';
import type { BoardFollower } from './leaderboard/board-follower.js';
import type { BoardReads } from './leaderboard/board-reads.js';
import type { LeaderboardService } from './leaderboard/leaderboard.service.js';
import type { LiveBoards } from './leaderboard/live-boards.js';
import type { LiveLeaderboard } from './leaderboard/live-leaderboard.js';
import type { RedisConnection } from './live/redis-client.js';
import type { UserWatch } from './leaderboard/user-watch.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { ScoreService } from './scores/score.service.js';
import type { AnomalyFlags } from './security/anomaly-flags.js';
import type { AuditRetention } from './security/audit-retention.js';
import type { RequestGate } from './security/request-gate.js';
import type { SecurityAudit } from './security/security-audit.js';
import type { Storage } from './storage/storage.js';

/**
 * Everything the composition root built, once, at start. Only `app.ts` hands pieces of it
 * on (each adapter gets the few it uses); tests and the benchmark may look inside.
 */
export interface AppServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly storage: Storage;
  /** Every board this instance serves (the board file's and the admins'). */
  readonly boards: BoardRegistry;
  readonly authenticator: Authenticator;
  readonly gate: RequestGate;
  readonly audit: SecurityAudit;
  readonly retention: AuditRetention;
  readonly flags: AnomalyFlags;
  readonly scores: ScoreService;
  readonly leaderboard: LeaderboardService;
  readonly reads: BoardReads;
  readonly follower: BoardFollower;
  /** `global`'s `all` live board (today's `leaderboard.live`). */
  readonly live: LiveLeaderboard;
  /** Every live board being followed, `live` included (one per board and kind of window). */
  readonly liveBoards: LiveBoards;
  readonly watch: UserWatch;
  readonly admin: AdminService;
  /** The Redis connection and its breaker when REDIS_URL is set (limiters, live bus). */
  readonly redis: RedisConnection | undefined;
}
