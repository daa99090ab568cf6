/** The user id (and action id) of seed user `i`. */
export const seedUser = (i: number) => `seed-${i}`;

/**
 * Seed user `i`'s score: deterministic, spread over 0..49,999 by a multiplicative hash, so a
 * million users share each score about twenty ways (many ties, as real boards have).
 */
export function seedScore(i: number): number {
  return (Math.imul(i + 1, 2_654_435_761) >>> 0) % 50_000;
}

/** Users written per transaction. */
export const SEED_CHUNK = 20_000;
