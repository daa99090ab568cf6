import type { LiveLeaderboard } from './live-leaderboard.js';

/**
 * How long a subscriber that resumes from a version this instance has not reached yet waits
 * for it (another instance may be a moment ahead) before it is sent the current board: a
 * version from the future otherwise means the database went back (a restore).
 */
export const RESUME_AHEAD_WAIT_MS = 2000;

/**
 * The version a resuming subscriber already has, or -1 when it must be sent the current
 * board: no id, an id of another database (a fresh one, or a bare version from an older
 * server), or one this instance does not reach in time (a restored database). Versions count
 * commits in order, so once this instance has applied the client's version, it has
 * everything the client saw.
 */
export async function resumeFrom(
  live: LiveLeaderboard,
  lastEventId: string | null | undefined,
  signal: AbortSignal,
): Promise<number> {
  if (!lastEventId) return -1;
  const [epoch, version] = lastEventId.includes(':') ? lastEventId.split(':') : [undefined, lastEventId];
  if (epoch !== live.current().epoch) return -1;
  const seen = Number(version);
  return (await live.reaches(seen, RESUME_AHEAD_WAIT_MS, signal)) ? seen : -1;
}
