import type { Kysely } from 'kysely';
import type { BoardOrder } from '../../domain/board.js';
import type { ScoreRecord } from '../../domain/score-record.js';
import type { Database } from '../database.js';
import type { ScoreStore, WindowRef } from '../storage.js';
import { countFromMark, writeRankMarks } from './rank-marks.js';
import * as queries from './score-queries.js';

/** The reads of windows that ended: ScoreStore's, the same Kysely queries on every dialect. */
export type PastWindowReads = Pick<
  ScoreStore,
  'windowPage' | 'windowPageBefore' | 'countBefore' | 'countBeforeEnded' | 'windowRecords'
>;

/**
 * The reads of windows that ended, for the stores of every dialect to extend. Writing a
 * window's rank marks is shared by the requests of this process that need them at once; other
 * processes may write the same marks meanwhile (see writeRankMarks).
 */
export class KyselyWindowReads implements PastWindowReads {
  /** The windows whose marks this process is writing: one key per window being read. */
  private readonly marking = new Map<string, Promise<void>>();

  constructor(protected readonly db: Kysely<Database>) {}

  windowPage(ref: WindowRef, order: BoardOrder, after: ScoreRecord | undefined, limit: number) {
    return queries.windowPage(this.db, ref, order, after, limit);
  }

  windowPageBefore(ref: WindowRef, order: BoardOrder, before: ScoreRecord, limit: number) {
    return queries.windowPageBefore(this.db, ref, order, before, limit);
  }

  countBefore(ref: WindowRef, order: BoardOrder, record: ScoreRecord) {
    return queries.countBefore(this.db, ref, order, record);
  }

  async countBeforeEnded(ref: WindowRef, order: BoardOrder, record: ScoreRecord, spacing: number) {
    const counted = await countFromMark(this.db, ref, order, record);
    if (counted !== undefined) return counted;
    await this.marksOnce(ref, spacing);
    // Only a record before the window's first row (erased meanwhile) has no mark now: none is ahead.
    return (await countFromMark(this.db, ref, order, record)) ?? 0;
  }

  windowRecords(ref: WindowRef, userIds: readonly string[]) {
    return queries.windowRecords(this.db, ref, userIds);
  }

  /** Writes the window's rank marks (see writeRankMarks). */
  protected async writeMarks(ref: WindowRef, spacing: number): Promise<void> {
    await writeRankMarks(this.db, ref, spacing).execute();
  }

  private marksOnce(ref: WindowRef, spacing: number): Promise<void> {
    const key = JSON.stringify([ref.boardId, ref.windowKey]);
    let writing = this.marking.get(key);
    if (!writing) {
      writing = this.writeMarks(ref, spacing).finally(() => this.marking.delete(key));
      this.marking.set(key, writing);
    }
    return writing;
  }
}
