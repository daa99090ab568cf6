import type { ScoreRecord } from '../../server/domain/score-record.js';
import type { ScoreStore, WindowRef } from '../../server/storage/storage.js';

/** A stored record of one window, and which window. */
export interface WindowRecord extends WindowRef {
  readonly record: ScoreRecord;
}

/**
 * Everything ScoreStore.windows streams, collected: the version, and each record with its
 * window, in the order the store gave them. Fails when the store breaks the streaming
 * contract (a window opened out of the order of `refs`, or a row for a window not open).
 */
export async function readWindows(
  scores: ScoreStore,
  refs: readonly WindowRef[],
): Promise<{ version: number; records: WindowRecord[] }> {
  const records: WindowRecord[] = [];
  const opened: WindowRef[] = [];
  const version = await scores.windows(refs, (ref) => {
    opened.push(ref);
    const { boardId, windowKey } = ref;
    return (userId, score, reachedSeq) => {
      if (opened.at(-1) !== ref) throw new Error(`a row of ${boardId} ${windowKey} after its window closed`);
      records.push({ boardId, windowKey, record: { userId, score, reachedSeq } });
    };
  });
  if (opened.length !== refs.length || opened.some((ref, i) => ref !== refs[i]))
    throw new Error('the windows were not opened once each, in the order asked');
  return { version, records };
}
