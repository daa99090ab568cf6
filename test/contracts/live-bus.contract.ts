import { afterEach, describe, expect, it } from 'vitest';
import type { CommittedChanges } from '../../server/domain/score-record.js';
import type { LiveBus } from '../../server/live/bus/live-bus.js';

const change = (version: number): CommittedChanges => ({
  version,
  changes: [
    {
      boardId: 'global',
      windowKey: 'all',
      userId: 'alice',
      record: { userId: 'alice', score: version * 10, reachedSeq: version },
    },
  ],
});

/** Collects what a bus delivers; `until` waits for a count. */
async function listen(bus: LiveBus) {
  const got: CommittedChanges[] = [];
  const waiters: Array<() => void> = [];
  await bus.subscribe({
    changes: (c) => {
      got.push(c);
      for (const wake of waiters.splice(0)) wake();
    },
    resync: () => {},
  });
  return {
    got,
    async until(count: number) {
      while (got.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * What every LiveBus owes the board follower, run against each implementation. `network`
 * gives a way to make buses that reach each other (instances of one deployment); once
 * `subscribe` resolves, a bus hears what the others publish.
 */
export function liveBusContract(name: string, network: () => Promise<() => LiveBus>): void {
  describe(`LiveBus contract: ${name}`, () => {
    const opened: LiveBus[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    const make = async () => {
      const bus = (await network())();
      opened.push(bus);
      return bus;
    };

    it("delivers one instance's changes to the others, in order, and not to itself", async () => {
      const bus = (await network()) as () => LiveBus;
      const [a, b, c] = [bus(), bus(), bus()];
      opened.push(a, b, c);
      const [atA, atB, atC] = await Promise.all([listen(a), listen(b), listen(c)]);
      a.publish(change(1));
      a.publish(change(2));
      await atB.until(2);
      await atC.until(2);
      expect(atB.got).toEqual([change(1), change(2)]);
      expect(atC.got).toEqual([change(1), change(2)]);
      b.publish(change(3));
      await atA.until(1);
      expect(atA.got).toEqual([change(3)]); // its own two never came back
    });

    it('stops delivering to a bus once it is closed', async () => {
      const bus = (await network()) as () => LiveBus;
      const [a, b, c] = [bus(), bus(), bus()];
      opened.push(a, b, c);
      const [atB, atC] = await Promise.all([listen(b), listen(c)]);
      await b.close();
      a.publish(change(4));
      await atC.until(1); // delivered to the network...
      expect(atB.got).toEqual([]); // ...but not to the closed bus
    });

    it('publishes without waiting, and without throwing, whatever the subscribers do', async () => {
      const a = await make();
      expect(a.publish(change(5))).toBeUndefined();
    });
  });
}
