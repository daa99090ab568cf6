import type { LiveLeaderboard, LivePoint } from './live-leaderboard.js';

/**
 * How long a subscriber that resumes from a version this instance has not reached yet waits
 * for it (another instance may be a moment ahead) before it is sent the current board: a
 * version from the future otherwise means the database went back (a restore).
 */
export const RESUME_AHEAD_WAIT_MS = 2000;

/** The parts of a live event id `<epoch>:<version>[@<window key>]` (see liveEventIdSchema). */
export function parseLiveEventId(id: string): { epoch: string | undefined; version: number; key: string } {
  const at = id.indexOf('@');
  const head = at < 0 ? id : id.slice(0, at);
  const key = at < 0 ? 'all' : id.slice(at + 1);
  const colon = head.indexOf(':');
  return {
    epoch: colon < 0 ? undefined : head.slice(0, colon),
    version: Number(colon < 0 ? head : head.slice(colon + 1)),
    key,
  };
}

/**
 * Where a resuming subscriber already is, or undefined when it must be sent the current
 * board: no id, an id of another database (a fresh one, or a bare version from an older
 * server), of another window than the one in force (an id without a window key names `all`),
 * or one this instance does not reach in time (a restored database). Versions count commits
 * in order, so once this instance has applied the client's version, it has everything the
 * client saw of that window.
 */
export async function resumeFrom(
  live: LiveLeaderboard,
  lastEventId: string | null | undefined,
  signal: AbortSignal,
): Promise<LivePoint | undefined> {
  if (!lastEventId) return undefined;
  const { epoch, version, key } = parseLiveEventId(lastEventId);
  const now = live.current();
  if (epoch !== now.epoch || key !== now.window.key) return undefined;
  return (await live.reaches(version, RESUME_AHEAD_WAIT_MS, signal)) ? { key, version } : undefined;
}
