import type { TokenVerifier } from './jwt-verifier.js';
import type { Principal } from './principal.js';

/** Most verified tokens remembered at once. */
export const TOKEN_CACHE_SIZE = 10_000;

/**
 * Remembers verified tokens so a client that sends the same token many times pays for one
 * signature check. Bounded (least recently used goes first) and never trusted past the
 * token's `exp`. Only successes are cached: a bad token is checked again every time.
 */
export function cachedVerifier(verify: TokenVerifier, size = TOKEN_CACHE_SIZE): TokenVerifier {
  const cache = new Map<string, Principal>();
  return (token) => {
    const hit = cache.get(token);
    if (hit) {
      cache.delete(token);
      if (hit.expiresAt > Date.now()) {
        cache.set(token, hit);
        return hit;
      }
    }
    const principal = verify(token);
    if (principal) {
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(token, principal);
    }
    return principal;
  };
}
