import type { ScoreRecord } from './score-record.js';

/**
 * The leaderboard's page cursor: the last entry's place in the order (score, first reached,
 * user id), opaque to clients. A keyset, so the next page starts right after that entry, where
 * it is now: a user who did not move is never repeated or skipped.
 */
export function encodeCursor(record: ScoreRecord, rank?: number): string {
  const key = [record.score, record.reachedSeq, record.userId];
  return Buffer.from(JSON.stringify(rank === undefined ? key : [...key, rank])).toString('base64url');
}

/** A cursor's key; `rank` (the entries before it) is set in the cursors of ended windows. */
export type CursorKey = ScoreRecord & { readonly rank?: number };

/** The key a cursor names, or undefined when it is not one this server gave out. */
export function decodeCursor(cursor: string): CursorKey | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || (value.length !== 3 && value.length !== 4)) return undefined;
    const [score, reachedSeq, userId, rank] = value as unknown[];
    if (!Number.isSafeInteger(score) || !Number.isSafeInteger(reachedSeq) || typeof userId !== 'string')
      return undefined;
    const key = { score: score as number, reachedSeq: reachedSeq as number, userId };
    if (rank === undefined) return key;
    return Number.isSafeInteger(rank) && (rank as number) >= 0 ? { ...key, rank: rank as number } : undefined;
  } catch {
    return undefined;
  }
}
