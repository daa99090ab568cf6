import type { Kysely } from 'kysely';
import { scoreOfSortKey, sortKeyOf, type BoardOrder } from '../../domain/board.js';
import type { ScoreRecord } from '../../domain/score-record.js';
import type { Database } from '../database.js';
import type { WindowRef } from '../storage.js';

// Reads that every dialect runs the same way: each takes the database first, as Kysely's
// example repositories do.

/** The database's identity (see ScoreStore.epoch). */
export async function epoch(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', 'epoch')
    .executeTakeFirstOrThrow();
  return row.value;
}

/** A window's rows in the board's order: by sort key, then who reached it first, then user id. */
export function windowRows(db: Kysely<Database>, ref: WindowRef) {
  return db
    .selectFrom('board_scores')
    .where('board_id', '=', ref.boardId)
    .where('window_key', '=', ref.windowKey);
}

/** Where a record stands in its window's order (board_scores_order_idx's last three columns). */
export function position(order: BoardOrder, record: ScoreRecord) {
  return [sortKeyOf(order, record.score), record.reachedSeq, record.userId] as const;
}

const toRecord = (r: { user_id: string; score: number; reached_seq: number }): ScoreRecord => ({
  userId: r.user_id,
  score: Number(r.score),
  reachedSeq: Number(r.reached_seq),
});

/**
 * A row of a page, read from board_scores_order_idx alone (a covering read: the score follows
 * from the sort key, so the table is not visited for each row).
 */
const PAGE_COLUMNS = ['user_id', 'sort_key', 'reached_seq'] as const;

const pageRecord =
  (order: BoardOrder) =>
  (r: { user_id: string; sort_key: number; reached_seq: number }): ScoreRecord => ({
    userId: r.user_id,
    score: scoreOfSortKey(order, Number(r.sort_key)),
    reachedSeq: Number(r.reached_seq),
  });

/** See ScoreStore.windowPage: a keyset page on the order index. */
export async function windowPage(
  db: Kysely<Database>,
  ref: WindowRef,
  order: BoardOrder,
  after: ScoreRecord | undefined,
  limit: number,
): Promise<ScoreRecord[]> {
  let query = windowRows(db, ref)
    .select(PAGE_COLUMNS)
    .orderBy('sort_key')
    .orderBy('reached_seq')
    .orderBy('user_id')
    .limit(limit);
  if (after) {
    query = query.where((eb) =>
      eb(eb.refTuple('sort_key', 'reached_seq', 'user_id'), '>', eb.tuple(...position(order, after))),
    );
  }
  return (await query.execute()).map(pageRecord(order));
}

/** See ScoreStore.windowPageBefore: the keyset page read backwards, returned in order. */
export async function windowPageBefore(
  db: Kysely<Database>,
  ref: WindowRef,
  order: BoardOrder,
  before: ScoreRecord,
  limit: number,
): Promise<ScoreRecord[]> {
  if (limit <= 0) return [];
  const rows = await windowRows(db, ref)
    .select(PAGE_COLUMNS)
    .where((eb) =>
      eb(eb.refTuple('sort_key', 'reached_seq', 'user_id'), '<', eb.tuple(...position(order, before))),
    )
    .orderBy('sort_key', 'desc')
    .orderBy('reached_seq', 'desc')
    .orderBy('user_id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map(pageRecord(order));
}

/** See ScoreStore.countBefore: the records of the window ahead of `record` in its order. */
export async function countBefore(
  db: Kysely<Database>,
  ref: WindowRef,
  order: BoardOrder,
  record: ScoreRecord,
): Promise<number> {
  const row = await windowRows(db, ref)
    .select((eb) => eb.fn.countAll().as('count'))
    .where((eb) =>
      eb(eb.refTuple('sort_key', 'reached_seq', 'user_id'), '<', eb.tuple(...position(order, record))),
    )
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** See ScoreStore.windowRecords: the records of these users in the window (those who have one). */
export async function windowRecords(
  db: Kysely<Database>,
  ref: WindowRef,
  userIds: readonly string[],
): Promise<ScoreRecord[]> {
  if (userIds.length === 0) return [];
  const rows = await windowRows(db, ref)
    .select(['user_id', 'score', 'reached_seq'])
    .where('user_id', 'in', [...userIds])
    .execute();
  return rows.map(toRecord);
}
