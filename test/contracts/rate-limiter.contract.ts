import { describe, expect, it } from 'vitest';
import type { RateLimiterFactory } from '../../server/security/rate-limit/rate-limiter.js';

/**
 * What every RateLimiter owes the request guard, run against each implementation. `fresh`
 * gives a factory whose key space no other test uses.
 */
export function rateLimiterContract(
  name: string,
  fresh: () => RateLimiterFactory | Promise<RateLimiterFactory>,
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    it('allows the budget, then refuses with a wait in whole seconds', async () => {
      const limiter = (await fresh())('test', { points: 3, durationSeconds: 60 });
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('k'));
      expect(decisions.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
      expect(decisions[3]).toMatchObject({ allowed: false });
      const wait = (decisions[3] as { retryAfterSeconds: number }).retryAfterSeconds;
      expect(Number.isInteger(wait) && wait >= 1 && wait <= 60).toBe(true);
    });

    it('keeps keys apart', async () => {
      const limiter = (await fresh())('test', { points: 1, durationSeconds: 60 });
      expect(await limiter.consume('a')).toEqual({ allowed: true });
      expect(await limiter.consume('b')).toEqual({ allowed: true });
      expect((await limiter.consume('a')).allowed).toBe(false);
    });

    it('blocks for blockSeconds once the budget is spent', async () => {
      const limiter = (await fresh())('test', { points: 1, durationSeconds: 60, blockSeconds: 300 });
      await limiter.consume('k');
      const refused = await limiter.consume('k');
      expect(refused).toMatchObject({ allowed: false });
      expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(60);
    });

    it('counts concurrent consumes atomically', async () => {
      const limiter = (await fresh())('test', { points: 10, durationSeconds: 60 });
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.consume('k')));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    });

    it('shares one budget between two factories of one key space (two instances)', async () => {
      const factory = await fresh();
      const a = factory('shared', { points: 2, durationSeconds: 60 });
      const b = factory('shared', { points: 2, durationSeconds: 60 });
      expect(await a.consume('k')).toEqual({ allowed: true });
      expect(await b.consume('k')).toEqual({ allowed: true });
      const third = [await a.consume('k'), await b.consume('k')];
      // In memory each limiter is its own instance; in Redis both see one count.
      expect(third.filter((d) => d.allowed).length).toBeLessThanOrEqual(name === 'memory' ? 2 : 0);
    });
  });
}
