import { AdminService } from './admin/admin.service.js';
import type { AppServices } from './app-services.js';
import { Authenticator } from './auth/authenticator.js';
import { verificationKey } from './auth/jwt-keys.js';
import { BoardRegistry } from './boards/board-registry.js';
import { createTokenVerifier } from './auth/jwt-verifier.js';
import { cachedVerifier } from './auth/token-cache.js';
import type { Config } from './config/config.js';
import { BoardFollower } from './leaderboard/board-follower.js';
import { BoardReads } from './leaderboard/board-reads.js';
import { LeaderboardService } from './leaderboard/leaderboard.service.js';
import { LiveBoards } from './leaderboard/live-boards.js';
import { LiveLeaderboard } from './leaderboard/live-leaderboard.js';
import { UserWatch } from './leaderboard/user-watch.js';
import { MemoryLiveBus } from './live/bus/memory/memory-live-bus.js';
import { RedisLiveBus } from './live/bus/redis/redis-live-bus.js';
import { RedisConnection } from './live/redis-client.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { ScoreService } from './scores/score.service.js';
import { AnomalyFlags } from './security/anomaly-flags.js';
import { AuditRetention } from './security/audit-retention.js';
import { memoryRateLimiters } from './security/rate-limit/memory/memory-rate-limiter.js';
import { redisRateLimiters } from './security/rate-limit/redis/redis-rate-limiter.js';
import { RequestGate } from './security/request-gate.js';
import { RequestGuard } from './security/request-guard.js';
import { SecurityAudit } from './security/security-audit.js';
import { openStorage } from './storage/open-storage.js';

/**
 * Builds every service from the configuration, storage first, then what depends on it; the
 * one place that picks implementations: SQLite or PostgreSQL storage, in-process or Redis
 * limiters and live bus.
 */
export async function buildServices(config: Config, logger: Logger): Promise<AppServices> {
  const metrics = new Metrics();
  const verify = cachedVerifier(createTokenVerifier(verificationKey(config.jwt), config.jwt));
  const authenticator = new Authenticator(verify);
  const storage = await openStorage(config.databaseUrl, {
    sync: config.dbSynchronous,
    observe: (size, seconds) => {
      metrics.commitSeconds.observe(seconds);
      metrics.commitBatchSize.observe(size);
    },
    onError: (message) => logger.error(message),
  });
  const boards = await BoardRegistry.open(storage.boards, config.score, config.boards, logger);
  const redis = config.redisUrl
    ? new RedisConnection(config.redisUrl, logger, {
        breaker: config.redisBreaker,
        tripped: () => metrics.redisBreakerTrips.inc(),
      })
    : undefined;
  if (redis) metrics.watchRedis(() => redis.breaker.closed);
  const leaderboard = new LeaderboardService(storage.scores, boards, config.leaderboardSize);
  await leaderboard.load();
  const reads = new BoardReads(leaderboard, boards, storage.scores);
  const bus = redis
    ? new RedisLiveBus({
        redis,
        channel: `${config.redisPrefix}board`,
        epoch: leaderboard.epoch,
        logger,
        received: () => metrics.busReceived.inc(),
      })
    : new MemoryLiveBus();
  const follower = new BoardFollower(leaderboard, bus, storage.changes, logger, boards);
  await follower.start();
  const live = new LiveLeaderboard(leaderboard);
  const liveBoards = new LiveBoards(leaderboard, live);
  boards.onChange((changed) => liveBoards.boardsChanged(changed));
  const watch = new UserWatch(leaderboard);
  liveBoards.onPublish(() => metrics.snapshotsPublished.inc());

  const limiters = redis
    ? redisRateLimiters(redis, config.redisPrefix, memoryRateLimiters)
    : memoryRateLimiters;
  const guard = new RequestGuard(limiters, config.rateLimit);
  const flags = new AnomalyFlags(storage.flags, limiters, config.flags, logger, () => metrics.flagged.inc());
  const audit = new SecurityAudit(storage.audit, logger);
  audit.observe((refusal, origin) => {
    metrics.refusals.inc({ kind: refusal.kind });
    if (refusal.kind === 'rate_limited') metrics.rateLimited.inc();
    return flags
      .observe(refusal, origin)
      .catch((err: unknown) => logger.error({ err }, 'anomaly flags failed'));
  });
  const retention = new AuditRetention(storage.audit, config.securityEventsRetentionDays, logger);
  void retention.prune();
  const gate = new RequestGate(authenticator, guard, audit, (refusal) =>
    metrics.updates.inc({ outcome: refusal.kind }),
  );
  const scores = new ScoreService({
    scores: storage.scores,
    leaderboard,
    follower,
    audit,
    guard,
    metrics,
    logger,
    boards,
  });
  const admin = new AdminService(storage, flags, audit, follower, logger, boards);
  return {
    config,
    logger,
    metrics,
    storage,
    boards,
    authenticator,
    gate,
    audit,
    retention,
    flags,
    scores,
    leaderboard,
    reads,
    follower,
    live,
    liveBoards,
    watch,
    admin,
    redis,
  };
}
