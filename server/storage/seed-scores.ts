/** The user id (and action id) of seed user `i`. */
export const seedUser = (i: number) => `seed-${i}`;

/** Distinct seed scores: a million users share each one about a hundred ways. */
const SEED_SCORES = 10_000;

/**
 * Seed user `i`'s score: deterministic (the same for every run, whatever N), spread over
 * 0..9,999 by an integer hash (a murmur3 finaliser), so users tie often, as on real boards.
 */
export function seedScore(i: number): number {
  let x = Math.imul(i + 1, 0x9e3779b1);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) % SEED_SCORES;
}

/** Users written per transaction. */
export const SEED_CHUNK = 20_000;
