import { windowsAt } from '../../domain/board-windows.js';
import type { Board } from '../../domain/board.js';
import {
  auditValues,
  ledgerValues,
  recordAfterSet,
  removalRecords,
  scoreSetRecords,
  seasonStartRecords,
  setChanges,
  type AdminRecords,
  type RemovedRow,
} from '../admin-records.js';
import type { SeasonStarts } from '../season-starts.js';
import type { AdminOrigin, ScoreSet, SeasonChange, SeasonStart, UserRemoval } from '../storage.js';
import { toRecord, type ScoreRow, type Statements } from './statements.js';

/**
 * Admins' changes to boards (see AdminStore), run by the writer inside its transaction at
 * `now`: one writer, so a season start falls between two transactions of writes, and every
 * write after it is judged with it (SeasonStarts). A ledger row's id is the version.
 */
export class SqliteAdminWrites {
  constructor(
    private readonly s: Statements,
    private readonly seasons: SeasonStarts,
  ) {}

  startSeason(change: SeasonChange, origin: AdminOrigin, now: number): SeasonStart | null {
    const row = this.s.boardDefinition.get(change.boardId) as { definition: string } | undefined;
    if (row?.definition !== change.expected) return null;
    const { definition, seasons } = change.next(now);
    this.s.redefineBoard.run(definition, now, change.boardId);
    const started = { season: seasons.length, startedAt: seasons.at(-1)! };
    this.append(seasonStartRecords(change.boardId, started.season, started.startedAt, origin));
    this.seasons.stage(change.boardId, seasons);
    return started;
  }

  removeUser(board: Board, userId: string, origin: AdminOrigin, now: number): UserRemoval | null {
    const removed: RemovedRow[] = [];
    for (const { key } of windowsAt(this.seasons.current(board), now)) {
      const row = this.s.deleteWindowScore.get(board.id, key, userId) as { score: number } | undefined;
      if (row) removed.push({ windowKey: key, score: row.score });
    }
    if (removed.length === 0) return null;
    const removal = removalRecords(board, userId, removed, now, origin);
    return {
      score: removal.score,
      windows: removed.map((r) => r.windowKey),
      committed: { version: this.append(removal), changes: removal.changes },
    };
  }

  setScore(board: Board, userId: string, score: number, origin: AdminOrigin, now: number): ScoreSet {
    const windows = windowsAt(this.seasons.current(board), now);
    const before = windows.map(({ key }) => {
      const row = this.s.windowScore.get(board.id, key, userId) as ScoreRow | undefined;
      return row && toRecord(row);
    });
    const set = scoreSetRecords(board, userId, score, windows, before, now, origin);
    const version = this.append(set);
    for (const row of set.rows)
      this.s.upsertWindowScore.run(board.id, row.windowKey, userId, row.score, row.sortKey, version, now);
    const changes = setChanges(board.id, userId, set.rows, version);
    return {
      previousScore: set.previousScore,
      record: recordAfterSet(changes, before[0]),
      committed: { version, changes },
    };
  }

  /** Appends the change's ledger row and its audit entry; returns the ledger row's id. */
  private append({ ledger, audit }: AdminRecords): number {
    const { lastInsertRowid } = this.s.appendAdminLedger.run(...ledgerValues(ledger));
    this.s.insertSecurityEvent.run(...auditValues(audit), audit.at);
    return Number(lastInsertRowid);
  }
}
