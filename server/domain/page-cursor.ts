import type { ScoreRecord } from './score-record.js';

/**
 * The leaderboard's page cursor: the last entry's place in the order (score, first reached,
 * user id), opaque to clients. A keyset, so the next page starts right after that entry, where
 * it is now: a user who did not move is never repeated or skipped.
 */
export function encodeCursor(record: ScoreRecord): string {
  return Buffer.from(JSON.stringify([record.score, record.reachedSeq, record.userId])).toString('base64url');
}

/** The key a cursor names, or undefined when it is not one this server gave out. */
export function decodeCursor(cursor: string): ScoreRecord | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [score, reachedSeq, userId] = value as unknown[];
    if (!Number.isSafeInteger(score) || !Number.isSafeInteger(reachedSeq) || typeof userId !== 'string')
      return undefined;
    return { score: score as number, reachedSeq: reachedSeq as number, userId };
  } catch {
    return undefined;
  }
}
