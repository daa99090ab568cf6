import type { AppServices } from './app-services.js';
import { Authenticator } from './auth/authenticator.js';
import { verificationKey } from './auth/jwt-keys.js';
import { createTokenVerifier } from './auth/jwt-verifier.js';
import { cachedVerifier } from './auth/token-cache.js';
import type { Config } from './config/config.js';
import { LeaderboardService } from './leaderboard/leaderboard.service.js';
import { LiveLeaderboard } from './leaderboard/live-leaderboard.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { ScoreService } from './scores/score.service.js';
import { AnomalyFlags } from './security/anomaly-flags.js';
import { memoryRateLimiters } from './security/rate-limit/memory/memory-rate-limiter.js';
import { RequestGuard } from './security/request-guard.js';
import { SecurityAudit } from './security/security-audit.js';
import { openStorage } from './storage/open-storage.js';

/** Builds every service from the configuration: storage first, then what depends on it. */
export async function buildServices(config: Config, logger: Logger): Promise<AppServices> {
  const metrics = new Metrics();
  const verify = cachedVerifier(createTokenVerifier(verificationKey(config.jwt), config.jwt));
  const authenticator = new Authenticator(verify);
  const storage = await openStorage(config.databaseUrl, {
    sync: config.dbSynchronous,
    rules: config.score,
    observe: (size, seconds) => {
      metrics.commitSeconds.observe(seconds);
      metrics.commitBatchSize.observe(size);
    },
    onError: (message) => logger.error(message),
  });
  const leaderboard = new LeaderboardService(storage, config.leaderboardSize);
  await leaderboard.load();
  const live = new LiveLeaderboard(leaderboard);
  live.onPublish(() => metrics.snapshotsPublished.inc());

  const limiters = memoryRateLimiters;
  const guard = new RequestGuard(limiters, config.rateLimit);
  const flags = new AnomalyFlags(storage, limiters, config.flags, logger, () => metrics.flagged.inc());
  const audit = new SecurityAudit(storage, logger);
  audit.observe((refusal, origin) => {
    metrics.refusals.inc({ kind: refusal.kind });
    if (refusal.kind === 'rate_limited') metrics.rateLimited.inc();
    flags.observe(refusal, origin).catch((err: unknown) => logger.error({ err }, 'anomaly flags failed'));
  });
  const scores = new ScoreService({
    storage,
    leaderboard,
    audit,
    guard,
    metrics,
    logger,
    rules: config.score,
  });
  return { config, logger, storage, authenticator, audit, scores, leaderboard, live, guard, flags, metrics };
}
