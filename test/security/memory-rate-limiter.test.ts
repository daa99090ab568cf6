import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../server/security/rate-limit/memory/memory-rate-limiter.js';

/** A limiter on a clock the test moves. */
function limiterAt(spec: { points: number; durationSeconds: number; blockSeconds?: number }) {
  const clock = { ms: 1_000 };
  const limiter = new MemoryRateLimiter(spec, () => clock.ms);
  return { limiter, clock };
}

describe('MemoryRateLimiter (in-process windows)', () => {
  it('starts a fresh window when the old one ends, and says how long to wait until then', async () => {
    const { limiter, clock } = limiterAt({ points: 2, durationSeconds: 60 });
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    clock.ms += 10_000;
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    clock.ms += 500;
    expect(await limiter.consume('k')).toEqual({ allowed: false, retryAfterSeconds: 50 });
    clock.ms += 49_499; // 1 ms before the window that began at the first point ends
    expect(await limiter.consume('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.ms += 1;
    expect(await limiter.consume('k')).toEqual({ allowed: true });
  });

  it('refuses a blocked key for blockSeconds, then gives it a new budget', async () => {
    const { limiter, clock } = limiterAt({ points: 1, durationSeconds: 60, blockSeconds: 300 });
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    expect(await limiter.consume('k')).toEqual({ allowed: false, retryAfterSeconds: 300 });
    clock.ms += 200_000; // past two windows, inside the block
    expect(await limiter.consume('k')).toEqual({ allowed: false, retryAfterSeconds: 100 });
    expect(await limiter.consume('other')).toEqual({ allowed: true });
    clock.ms += 100_000;
    expect(await limiter.consume('k')).toEqual({ allowed: true });
  });

  it('forgets keys in bulk: none is held two periods after its last point, whatever the traffic', async () => {
    const { limiter, clock } = limiterAt({ points: 5, durationSeconds: 60 });
    for (let i = 0; i < 1000; i++) await limiter.consume(`burst-${i}`);
    expect(limiter.heldKeys).toBe(1000);
    // Steady traffic from one key: the burst's keys are dropped after two rotations.
    for (let s = 0; s < 121; s++) {
      clock.ms += 1000;
      await limiter.consume('steady');
    }
    expect(limiter.heldKeys).toBeLessThanOrEqual(2);
    // A quiet spell of two periods drops everything at the next point.
    clock.ms += 120_000;
    await limiter.consume('late');
    expect(limiter.heldKeys).toBe(1);
  });

  it('keeps a key that stays busy across rotations in the same window', async () => {
    const { limiter, clock } = limiterAt({ points: 3, durationSeconds: 60 });
    clock.ms += 59_000;
    expect(await limiter.consume('k')).toEqual({ allowed: true }); // window ends at +119 s
    clock.ms += 2_000; // the map it sits in is retired
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    clock.ms += 56_000;
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    expect(await limiter.consume('k')).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });
});
