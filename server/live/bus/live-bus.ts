import type { CommittedChanges } from '../../domain/score-record.js';

/** What a bus hands its subscriber. */
export interface BusHandlers {
  /** Changes another instance committed. */
  changes(committed: CommittedChanges): void;
  /** Delivery may have had a gap (the bus reconnected): catch up from the database. */
  resync(): void;
}

/**
 * Carries committed board changes between instances, so that each one's in-memory board
 * follows every write within a blink. Best effort by design: a lost message costs latency,
 * never correctness, because followers also catch up from the database's change feed.
 */
export interface LiveBus {
  /** Tells the other instances (never this one) about changes this one committed. */
  publish(committed: CommittedChanges): void;
  /** Starts delivering other instances' changes to `handlers`. */
  subscribe(handlers: BusHandlers): Promise<void>;
  /** Stops delivering and closes connections. */
  close(): Promise<void>;
}
