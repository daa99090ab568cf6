import { randomUUID } from 'node:crypto';
import { ADMIN_ACTION_KIND } from '../../shared/schemas.js';
import { sortKeyOf, type Board } from '../domain/board.js';
import type { BoardWindow } from '../domain/board-window.js';
import type { BoardChange, ScoreRecord } from '../domain/score-record.js';
import { scoreAfterSet } from '../domain/score-rules.js';
import type { AdminOrigin, NewSecurityEvent } from './storage.js';

// What both storages write for an admin's change (see AdminStore): the ledger row, the audit
// entry, and the window rows a set score leaves. Each storage only runs the statements.

/** The ledger's user of a change to the whole board (a season start): no user id is empty. */
export const NO_USER = '';

/** One ledger row of an admin's change. */
export interface AdminLedgerRow {
  readonly boardId: string;
  readonly actionId: string;
  readonly userId: string;
  readonly value: number;
  readonly previousScore: number;
  readonly newScore: number;
  readonly subject: string;
  readonly ip: string | null;
  readonly createdAt: number;
  readonly reason: string | null;
}

/** The ledger row's values in the order of its columns: board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at, reason. */
export function ledgerValues(l: AdminLedgerRow): unknown[] {
  return [
    l.boardId,
    l.actionId,
    l.userId,
    l.value,
    l.previousScore,
    l.newScore,
    l.subject,
    l.ip,
    l.createdAt,
    l.reason,
  ];
}

/** The audit entry's values in the order of its columns: kind, subject, ip, user_id, reason, created_at. */
export function auditValues(a: NewSecurityEvent): unknown[] {
  return [a.kind, a.subject, a.ip, a.userId, a.reason, a.at];
}

/** A change's ledger row and audit entry. */
export interface AdminRecords {
  readonly ledger: AdminLedgerRow;
  readonly audit: NewSecurityEvent;
}

function records(
  procedure: string,
  row: Omit<AdminLedgerRow, 'subject' | 'ip' | 'reason'>,
  what: string,
  origin: AdminOrigin,
): AdminRecords {
  const { by, ip, reason } = origin;
  return {
    ledger: { ...row, subject: by, ip, reason },
    audit: {
      kind: ADMIN_ACTION_KIND,
      subject: by,
      ip,
      userId: row.userId === NO_USER ? null : row.userId,
      reason: `admin.${procedure}: board ${JSON.stringify(row.boardId)}, ${what}${reason === null ? '' : `: ${reason}`}`,
      at: row.createdAt,
    },
  };
}

/** Season `season` of the board started at `startedAt`. */
export function seasonStartRecords(
  boardId: string,
  season: number,
  startedAt: number,
  origin: AdminOrigin,
): AdminRecords {
  return records(
    'startSeason',
    {
      boardId,
      actionId: `season:${season}`,
      userId: NO_USER,
      value: 0,
      previousScore: 0,
      newScore: 0,
      createdAt: startedAt,
    },
    `season ${season} started at ${new Date(startedAt).toISOString()}`,
    origin,
  );
}

/** A window row removed: which window, and the score it held. */
export interface RemovedRow {
  readonly windowKey: string;
  readonly score: number;
}

/** The user's rows removed from the board at `now` (at least one), `all` first if among them. */
export function removalRecords(
  board: Board,
  userId: string,
  removed: readonly RemovedRow[],
  now: number,
  origin: AdminOrigin,
): AdminRecords & { readonly score: number | null; readonly changes: BoardChange[] } {
  const score = removed.find((r) => r.windowKey === 'all')?.score ?? null;
  const keys = removed.map((r) => r.windowKey);
  return {
    score,
    changes: keys.map((windowKey) => ({ boardId: board.id, windowKey, userId, record: null })),
    ...records(
      'removeUser',
      {
        boardId: board.id,
        actionId: `remove:${randomUUID()}`,
        userId,
        value: 0,
        previousScore: score ?? 0,
        newScore: 0,
        createdAt: now,
      },
      `${userId} removed from ${keys.join(', ')}${score === null ? '' : ` (score ${score})`}`,
      origin,
    ),
  };
}

/** A window row a set score writes: its window, score and sort key. */
export interface SetRow {
  readonly windowKey: string;
  readonly score: number;
  readonly sortKey: number;
}

/**
 * The user's score set to `score` at `now`, from their rows in the windows in force then
 * (`before`, in the order of `windows`: `all` first). `all` gets `score`; every other window
 * the user has a row in moves with it (scoreAfterSet), and one they have none in is left
 * without. `rows` are the rows to write: those whose score changes (a row that keeps its
 * score keeps the moment it was reached).
 */
export function scoreSetRecords(
  board: Board,
  userId: string,
  score: number,
  windows: readonly BoardWindow[],
  before: ReadonlyArray<ScoreRecord | undefined>,
  now: number,
  origin: AdminOrigin,
): AdminRecords & { readonly previousScore: number | null; readonly rows: SetRow[] } {
  const allBefore = before[0]?.score;
  const rows: SetRow[] = [];
  windows.forEach((window, i) => {
    if (i > 0 && before[i] === undefined) return;
    const next = scoreAfterSet(board, score, before[i]?.score, allBefore);
    if (before[i]?.score !== next)
      rows.push({ windowKey: window.key, score: next, sortKey: sortKeyOf(board.order, next) });
  });
  return {
    previousScore: allBefore ?? null,
    rows,
    ...records(
      'setScore',
      {
        boardId: board.id,
        actionId: `set:${randomUUID()}`,
        userId,
        value: score,
        previousScore: allBefore ?? 0,
        newScore: score,
        createdAt: now,
      },
      `score of ${userId} set from ${allBefore ?? 'none'} to ${score}`,
      origin,
    ),
  };
}

/** The changes a set score committed, its rows reached at ledger id `seq`. */
export function setChanges(
  boardId: string,
  userId: string,
  rows: readonly SetRow[],
  seq: number,
): BoardChange[] {
  return rows.map((r) => ({
    boardId,
    windowKey: r.windowKey,
    userId,
    record: { userId, score: r.score, reachedSeq: seq },
  }));
}

/** The user's record on the whole board after a set score: written, or as it was. */
export function recordAfterSet(
  changes: readonly BoardChange[],
  allBefore: ScoreRecord | undefined,
): ScoreRecord {
  return changes.find((c) => c.windowKey === 'all')?.record ?? allBefore!;
}
