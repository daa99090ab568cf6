import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric Scoreboard exports, on its own registry (tests build many apps). */
export class Metrics {
  readonly registry = new Registry();

  /** Score updates by outcome: applied, replayed, or the refusal kind. */
  readonly updates = new Counter({
    name: 'scoreboard_updates_total',
    help: 'Score updates by outcome (applied, replayed, or the refusal kind)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Time from an authenticated update reaching the service to its commit (or refusal). */
  readonly updateSeconds = new Histogram({
    name: 'scoreboard_update_duration_seconds',
    help: 'Time spent in the score service per update, commit included',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  /** Refusals recorded in the audit trail, by kind. */
  readonly refusals = new Counter({
    name: 'scoreboard_refusals_total',
    help: 'Refused requests by kind (each is a security event)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** Requests refused with 429. */
  readonly rateLimited = new Counter({
    name: 'scoreboard_rate_limited_total',
    help: 'Requests refused by a rate limit',
    registers: [this.registry],
  });

  /** Users flagged for too many refusals. */
  readonly flagged = new Counter({
    name: 'scoreboard_flagged_users_total',
    help: 'Users flagged for too many refusals in the window',
    registers: [this.registry],
  });

  /** Duration of each group-commit transaction. */
  readonly commitSeconds = new Histogram({
    name: 'scoreboard_db_commit_duration_seconds',
    help: 'Duration of each database write transaction (one batch)',
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });

  /** Writes per group-commit transaction. */
  readonly commitBatchSize = new Histogram({
    name: 'scoreboard_db_commit_batch_size',
    help: 'Writes that shared one transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  /** Open WebSocket connections. */
  readonly wsConnections = new Gauge({
    name: 'scoreboard_ws_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });

  private subscriberSource: () => number = () => 0;

  /** Active leaderboard.live subscriptions (read from the live publisher at each scrape). */
  readonly subscribers: Gauge = new Gauge({
    name: 'scoreboard_live_subscribers',
    help: 'Active leaderboard.live subscriptions',
    registers: [this.registry],
    collect: (): void => this.subscribers.set(this.subscriberSource()),
  });

  /** Where the subscriber gauge reads its value. */
  countSubscribersWith(source: () => number): void {
    this.subscriberSource = source;
  }

  /** WebSocket upgrades and messages refused by a connection cap, by reason. */
  readonly wsRefused = new Counter({
    name: 'scoreboard_ws_refused_total',
    help: 'WebSocket connections refused or closed by a limit (connections, messages, subscriptions)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Subscribers dropped for not reading. */
  readonly slowConsumersDropped = new Counter({
    name: 'scoreboard_slow_consumers_dropped_total',
    help: 'WebSocket clients dropped because their unsent bytes passed the limit',
    registers: [this.registry],
  });

  /** Snapshots published to subscribers. */
  readonly snapshotsPublished = new Counter({
    name: 'scoreboard_live_snapshots_published_total',
    help: 'Leaderboard snapshots published to subscribers (after coalescing)',
    registers: [this.registry],
  });

  /** Failures that were not expected refusals (bugs, a lost database): each a 500 or an error frame. */
  readonly internalErrors = new Counter({
    name: 'scoreboard_internal_errors_total',
    help: 'Requests, calls or WebSocket frames that failed with an internal error, by transport',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  // ---- Redis health (scale-out): registered by watchRedis, so an embedded server exports none ----

  private redisUpSource: () => boolean = () => false;

  /** 1 while the Redis breaker is closed, 0 while the instance runs on its in-memory fallbacks. */
  readonly redisUp: Gauge = new Gauge({
    name: 'scoreboard_redis_up',
    help: '1 while Redis answers (breaker closed); 0 while limits are per instance and live changes follow the database',
    registers: [],
    collect: (): void => this.redisUp.set(this.redisUpSource() ? 1 : 0),
  });

  /** Times the Redis breaker opened from closed. */
  readonly redisBreakerTrips = new Counter({
    name: 'scoreboard_redis_breaker_trips_total',
    help: 'Times the Redis circuit breaker opened (failed commands in a row, or the connection lost)',
    registers: [],
  });

  /** Board changes taken from other instances over the Redis bus. */
  readonly busReceived = new Counter({
    name: 'scoreboard_live_bus_received_total',
    help: 'Board changes received from other instances over Redis pub/sub',
    registers: [],
  });

  /** Exports the Redis metrics; `up` says whether the breaker is closed (read at each scrape). */
  watchRedis(up: () => boolean): void {
    this.redisUpSource = up;
    for (const metric of [this.redisUp, this.redisBreakerTrips, this.busReceived]) {
      this.registry.registerMetric(metric);
    }
  }

  // ---- end of Redis health ----

  constructor() {
    // Process metrics and the event-loop lag (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }
}
