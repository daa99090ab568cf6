import { sql, type Kysely } from 'kysely';
import type { BoardOrder } from '../../domain/board.js';
import type { ScoreRecord } from '../../domain/score-record.js';
import type { Database } from '../database.js';
import type { WindowRef } from '../storage.js';
import { position, windowRows } from './score-queries.js';

// Rank marks: ranks in a window that ended, at a bounded cost. A window that ended never
// changes (writes go to the windows in force; an erasure deletes the marks of the windows it
// takes a user from), so the first rank read there writes, once, every K-th record of its
// order with how many records are ahead of it. A rank is then the nearest mark at or before
// the record (a lookup on the marks' key) plus a count of at most K rows of the order index,
// instead of a count of every row ahead: O(log n + K) rather than O(rank).

/** Records between two marks of a window (K), unless the server is told otherwise. */
export const RANK_MARK_SPACING = 1000;

/** The window's tuple order, as board_scores_order_idx and rank_marks' key keep it. */
const ORDER = ['sort_key', 'reached_seq', 'user_id'] as const;

/**
 * The statement that writes a window's marks, every `spacing`-th record of its order from the
 * first: one statement (all of them or none), and writing them again changes nothing, so
 * requests and instances may race to write them.
 */
export function writeRankMarks(db: Kysely<Database>, ref: WindowRef, spacing: number) {
  const ordered = windowRows(db, ref)
    .select([
      ...ORDER,
      sql<number>`row_number() over (order by sort_key, reached_seq, user_id) - 1`.as('ahead'),
    ])
    .as('ordered');
  return db
    .insertInto('rank_marks')
    .columns(['board_id', 'window_key', ...ORDER, 'ahead'])
    .expression(
      db
        .selectFrom(ordered)
        .select((eb) => [
          eb.val(ref.boardId).as('board_id'),
          eb.val(ref.windowKey).as('window_key'),
          ...ORDER.map((column) => eb.ref(`ordered.${column}`).as(column)),
          'ordered.ahead',
        ])
        .where(sql<number>`ordered.ahead % ${spacing}`, '=', 0),
    )
    .onConflict((oc) => oc.doNothing());
}

/**
 * How many records of the window come before `record`, from the nearest mark at or before it;
 * undefined when there is none (the window has no marks yet, or the record comes before its
 * first one).
 */
export async function countFromMark(
  db: Kysely<Database>,
  ref: WindowRef,
  order: BoardOrder,
  record: ScoreRecord,
): Promise<number | undefined> {
  const at = position(order, record);
  const mark = await db
    .selectFrom('rank_marks')
    .select([...ORDER, 'ahead'])
    .where('board_id', '=', ref.boardId)
    .where('window_key', '=', ref.windowKey)
    .where((eb) => eb(eb.refTuple(...ORDER), '<=', eb.tuple(...at)))
    .orderBy('sort_key', 'desc')
    .orderBy('reached_seq', 'desc')
    .orderBy('user_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!mark) return undefined;
  const between = await windowRows(db, ref)
    .select((eb) => eb.fn.countAll().as('count'))
    .where((eb) =>
      eb(
        eb.refTuple(...ORDER),
        '>=',
        eb.tuple(Number(mark.sort_key), Number(mark.reached_seq), mark.user_id),
      ),
    )
    .where((eb) => eb(eb.refTuple(...ORDER), '<', eb.tuple(...at)))
    // The same range on sort_key alone, for the planner: it estimates a range of row values
    // as a tenth of the window, and PostgreSQL then plans parallel workers whose start took
    // ~80 ms for a count of a few hundred rows (docs/performance.md).
    .where('sort_key', '>=', Number(mark.sort_key))
    .where('sort_key', '<=', at[0])
    .executeTakeFirstOrThrow();
  return Number(mark.ahead) + Number(between.count);
}
