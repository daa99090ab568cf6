import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { GLOBAL_BOARD_ID } from '../../domain/board.js';
import type { Erasure } from '../storage.js';
import { inTransaction, orUnavailable } from './pg-pool.js';
import { DELETE_RANK_MARKS, LOCK_USERS, LOCK_WINDOWS } from './pg-statements.js';

/**
 * Erases a user in one transaction (see Storage.eraseUser); null, with nothing written, when
 * nothing is held about them.
 *
 * The user's rows on every board and window are deleted (a removal of each is the committed
 * change; the ledger row recording the erasure is the board `global`'s, with their score there).
 * The change feed names every changed user and score for an hour, and must not keep the
 * erased user's either: the erasure takes a board version, records no change under it, and
 * deletes every change before it. Whoever follows the feed still takes the user off their
 * board: an instance that hears of the erasure over Redis applies the removal at once, and
 * any other, behind the feed's new horizon, reloads the board from the tables (without them).
 */
export function eraseUser(pool: pg.Pool, userId: string, by: string): Promise<Erasure | null> {
  return orUnavailable(() =>
    inTransaction(pool, 'BEGIN', async (client) => {
      // Their updates in flight commit first, or wait for this.
      await client.query({ ...LOCK_USERS, values: [[userId]] });
      const removed = await client.query<{ board_id: string; window_key: string; score: number }>(
        'DELETE FROM board_scores WHERE user_id = $1 RETURNING board_id, window_key, score',
        [userId],
      );
      const rows = removed.rows.sort(
        (a, b) => compareText(a.board_id, b.board_id) || compareText(a.window_key, b.window_key),
      );
      // A window that ended never changes but here: its rank marks go, to be written again
      // when next read (see LOCK_WINDOWS).
      const windows = [rows.map((r) => r.board_id), rows.map((r) => r.window_key)];
      await client.query({ ...LOCK_WINDOWS, values: windows });
      await client.query({ ...DELETE_RANK_MARKS, values: windows });
      const pseudonym = `erased:${randomUUID()}`;
      const ledger = await client.query(
        `UPDATE score_ledger SET user_id = $1, subject = CASE WHEN subject = $2 THEN $1 ELSE subject END, ip = NULL,
           reason = NULL
         WHERE user_id = $2 AND action_id NOT LIKE 'erase:%'`,
        [pseudonym, userId],
      );
      const events = await client.query(
        'DELETE FROM security_events WHERE user_id = $1 OR subject = $1 OR subject = $2',
        [userId, `unverified:${userId}`],
      );
      const flags = await client.query('DELETE FROM flagged_users WHERE user_id = $1', [userId]);
      const score = rows.find((r) => r.board_id === GLOBAL_BOARD_ID && r.window_key === 'all')?.score ?? null;
      if (rows.length === 0 && !ledger.rowCount && !events.rowCount && !flags.rowCount) return null;

      const now = Date.now();
      await client.query(
        `INSERT INTO score_ledger (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
         VALUES ($1, $2, $3, 0, $4, 0, $5, NULL, $6)`,
        [GLOBAL_BOARD_ID, `erase:${randomUUID()}`, pseudonym, score ?? 0, by, now],
      );
      const version = (
        await client.query<{ version: number }>(
          'UPDATE board_version SET version = version + 1 WHERE id = 1 RETURNING version',
        )
      ).rows[0]!.version;
      // A statement of its own, once the version row is locked: its snapshot sees every
      // version committed before this one, so the feed keeps none of them.
      await client.query('DELETE FROM board_changes WHERE version < $1', [version]);
      return {
        score,
        ledgerRows: ledger.rowCount ?? 0,
        securityEvents: events.rowCount ?? 0,
        flags: flags.rowCount ?? 0,
        pseudonym,
        committed: {
          version,
          changes: rows.map((r) => ({ boardId: r.board_id, windowKey: r.window_key, userId, record: null })),
        },
      };
    }),
  );
}

/** Text in code-unit order (as the rest of the service compares user ids), for a stable list. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
