import { EventEmitter } from 'node:events';
import type { CommittedChanges } from '../../../domain/score-record.js';
import type { BusHandlers, LiveBus } from '../live-bus.js';

/** Buses that share a hub see each other's messages: instances in one process (tests). */
export class MemoryBusHub {
  readonly events = new EventEmitter().setMaxListeners(0);
}

/**
 * The in-process bus. Alone (the embedded default) it carries nothing: the one instance
 * applies its own commits. Joined to a hub, it delivers to the other buses of that hub.
 */
export class MemoryLiveBus implements LiveBus {
  private listener: ((from: MemoryLiveBus, committed: CommittedChanges) => void) | undefined;

  constructor(private readonly hub: MemoryBusHub = new MemoryBusHub()) {}

  publish(committed: CommittedChanges): void {
    this.hub.events.emit('changes', this, committed);
  }

  async subscribe(handlers: BusHandlers): Promise<void> {
    this.listener = (from, committed) => {
      if (from !== this) handlers.changes(committed);
    };
    this.hub.events.on('changes', this.listener);
  }

  async close(): Promise<void> {
    if (this.listener) this.hub.events.off('changes', this.listener);
    this.listener = undefined;
  }
}
