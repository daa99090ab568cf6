import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../server/auth/principal.js';
import { cachedVerifier } from '../../server/auth/token-cache.js';

afterEach(() => vi.useRealTimers());

const principal = (subject: string, expiresAt: number): Principal => ({ subject, roles: [], expiresAt });

describe('cachedVerifier', () => {
  it('verifies a token once while it stays cached', () => {
    const verify = vi.fn((token: string) => principal(token, Date.now() + 60_000));
    const cached = cachedVerifier(verify);
    expect(cached('t1')?.subject).toBe('t1');
    expect(cached('t1')?.subject).toBe('t1');
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('never answers from the cache past the token expiry', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    let valid = true;
    const verify = vi.fn(() => (valid ? principal('alice', 1_005_000) : undefined));
    const cached = cachedVerifier(verify);
    expect(cached('t')).toBeDefined();
    vi.setSystemTime(1_004_999);
    expect(cached('t')).toBeDefined();
    valid = false; // what jsonwebtoken says once exp has passed
    vi.setSystemTime(1_005_000);
    expect(cached('t')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('does not cache failures', () => {
    const verify = vi.fn(() => undefined);
    const cached = cachedVerifier(verify);
    cached('bad');
    cached('bad');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('stays bounded, evicting the least recently used token', () => {
    const verify = vi.fn((token: string) => principal(token, Date.now() + 60_000));
    const cached = cachedVerifier(verify, 2);
    cached('a');
    cached('b');
    cached('a'); // a is now the most recent
    cached('c'); // evicts b
    verify.mockClear();
    cached('a');
    cached('c');
    expect(verify).not.toHaveBeenCalled();
    cached('b');
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
