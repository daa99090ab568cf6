import type BetterSqlite3 from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { Kysely, SqliteDialect } from 'kysely';
import { GLOBAL_BOARD_ID, sortKeyOf } from '../../domain/board.js';
import { windowsAt } from '../../domain/board-windows.js';
import type { BoardChange, UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import { nextWindowScore } from '../../domain/score-rules.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import type { Erasure } from '../storage.js';
import { SeasonStarts } from '../season-starts.js';
import { SqliteAdminWrites } from './sqlite-admin.js';
import { prepareStatements, toRecord, type ScoreRow, type Statements } from './statements.js';
import type { JobResult, WriteJob } from './write-jobs.js';

/**
 * Every write of the embedded storage, on one connection, with prepared statements. A batch
 * of jobs shares one transaction (group commit): one sync for the lot. The judge the service
 * passes in runs here, inside the transaction, on the state it judges; nothing here decides.
 */
export class SqliteWriter {
  private readonly s: Statements;
  private readonly runAll: (jobs: readonly WriteJob[]) => unknown[];
  private readonly runOne: (job: WriteJob) => unknown;
  private readonly admin: SqliteAdminWrites;

  constructor(
    sqlite: BetterSqlite3.Database,
    /** The season starts this writer committed: a write judged before one counts after it. */
    private readonly seasons: SeasonStarts = new SeasonStarts(),
  ) {
    // Kysely only compiles the statements here; they run through better-sqlite3 directly.
    this.s = prepareStatements(
      new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
      sqlite,
    );
    this.admin = new SqliteAdminWrites(this.s, seasons);
    this.runAll = sqlite.transaction((jobs: readonly WriteJob[]) =>
      jobs.map((job) => this.run(job, Date.now())),
    );
    this.runOne = sqlite.transaction((job: WriteJob) => this.run(job, Date.now()));
  }

  /**
   * Commits the jobs in one transaction. Should one job throw, that transaction is rolled
   * back whole and each job is retried in a transaction of its own, so the failure stays
   * with the job that caused it (cheaper than a savepoint per job on the common path).
   * A failing commit marks every job of it unavailable.
   */
  commit(jobs: readonly WriteJob[]): JobResult[] {
    try {
      const values = this.runAll(jobs);
      this.seasons.keep();
      return values.map((value) => ({ ok: true, value }));
    } catch (error) {
      this.seasons.drop();
      if (jobs.length === 1) return [this.failure(error)];
      return jobs.map((job) => {
        try {
          const value = this.runOne(job);
          this.seasons.keep();
          return { ok: true, value };
        } catch (jobError) {
          this.seasons.drop();
          return this.failure(jobError);
        }
      });
    }
  }

  private failure(error: unknown): JobResult {
    const code = (error as { code?: unknown }).code;
    // Errors of the database itself (I/O, full disk, locked, closed) mean nothing was applied.
    const unavailable =
      !(error instanceof Error) ||
      (typeof code === 'string' && code !== 'SQLITE_CONSTRAINT' && !code.startsWith('SQLITE_CONSTRAINT_')) ||
      /not open|closed/i.test(error.message);
    return { ok: false, error: String(error), unavailable };
  }

  private run(job: WriteJob, now: number): unknown {
    const s = this.s;
    switch (job.op) {
      case 'update':
        return this.update(job.command, job.judge, now);
      case 'insertEvent': {
        const e = job.event;
        return Number(
          s.insertSecurityEvent.run(e.kind, e.subject, e.ip, e.userId, e.reason, e.at, e.at).lastInsertRowid,
        );
      }
      case 'addCounts':
        for (const c of job.counts) s.addSecurityEventCount.run(c.add, c.lastAt, c.id);
        return undefined;
      case 'prune':
        return s.pruneSecurityEvents.run(job.before).changes;
      case 'flag':
        s.flagUser.run(job.userId, job.reason, now, job.reason, now);
        return undefined;
      case 'clearFlag':
        return s.clearFlag.run(now, job.clearedBy, job.userId).changes > 0;
      case 'erase':
        return this.erase(job.userId, job.by, now);
      case 'startSeason':
        return this.admin.startSeason(job.change, job.origin, now);
      case 'removeUser':
        return this.admin.removeUser(job.board, job.userId, job.origin, now);
      case 'setScore':
        return this.admin.setScore(job.board, job.userId, job.score, job.origin, now);
    }
  }

  /**
   * One submission, judged on the stored state and applied to every window of its board in
   * force at `now` (the instant it commits: one writer, one clock), with every season started
   * before it (the command's board may predate the latest).
   */
  private update(command: UpdateCommand, judge: Judge, now: number): UpdateOutcome {
    const { userId } = command;
    const board = this.seasons.current(command.board);
    const prior = this.s.priorAction.get(board.id, userId, command.actionId) as
      { user_id: string; value: number; previous_score: number; new_score: number } | undefined;
    const windows = windowsAt(board, now);
    const before = windows.map(({ key }) => {
      const row = this.s.windowScore.get(board.id, key, userId) as ScoreRow | undefined;
      return row && toRecord(row);
    });
    const current = before[0]; // `all` comes first
    const priorAction = prior && {
      userId: prior.user_id,
      value: prior.value,
      previousScore: prior.previous_score,
      newScore: prior.new_score,
    };
    const verdict = judge(command, current, priorAction);
    if (verdict.kind === 'refuse') return { kind: 'refused', refusal: verdict.refusal };
    if (verdict.kind === 'replay') return { kind: 'replayed', prior: priorAction!, current };
    const value = command.newScore;
    const previousScore = current?.score ?? 0;
    const newScore = nextWindowScore(board, value, current?.score, current?.score);
    const { lastInsertRowid } = this.s.appendLedger.run(
      board.id,
      command.actionId,
      userId,
      value,
      previousScore,
      newScore,
      command.subject,
      command.ip,
      now,
    );
    // One writer commits in ledger order, so the ledger id is the version.
    const version = Number(lastInsertRowid);
    const changes: BoardChange[] = [];
    let record = current;
    windows.forEach(({ key }, i) => {
      const was = before[i];
      const score = nextWindowScore(board, value, was?.score, current?.score);
      // The same score again: the user keeps the moment they first reached it.
      if (was && was.score === score) return;
      const next = { userId, score, reachedSeq: version };
      this.s.upsertWindowScore.run(board.id, key, userId, score, sortKeyOf(board.order, score), version, now);
      changes.push({ boardId: board.id, windowKey: key, userId, record: next });
      if (i === 0) record = next;
    });
    return {
      kind: 'applied',
      previousScore,
      record: record!,
      changed: changes.length > 0,
      committed: { version, changes },
    };
  }

  /** See Storage.eraseUser; null, with nothing written, when nothing is held about the user. */
  private erase(userId: string, by: string, now: number): Erasure | null {
    const s = this.s;
    const pseudonym = `erased:${randomUUID()}`;
    const rows = s.userScores.all(userId) as Array<{ board_id: string; window_key: string; score: number }>;
    s.deleteUserScores.run(userId);
    // A window that ended never changes but here: its rank marks are written again when next read.
    for (const row of rows) s.deleteRankMarks.run(row.board_id, row.window_key);
    const ledgerRows = s.pseudonymiseLedger.run(pseudonym, userId, pseudonym, userId).changes;
    const securityEvents = s.deleteUserEvents.run(userId, userId, `unverified:${userId}`).changes;
    const flags = s.deleteFlag.run(userId).changes;
    if (rows.length === 0 && ledgerRows === 0 && securityEvents === 0 && flags === 0) return null;
    const global = rows.find((r) => r.board_id === GLOBAL_BOARD_ID && r.window_key === 'all');
    // The erasure itself is ledgered (under the pseudonym): who erased, when, what score went.
    const { lastInsertRowid } = s.appendLedger.run(
      GLOBAL_BOARD_ID,
      `erase:${randomUUID()}`,
      pseudonym,
      0,
      global?.score ?? 0,
      0,
      by,
      null,
      now,
    );
    return {
      score: global?.score ?? null,
      ledgerRows,
      securityEvents,
      flags,
      pseudonym,
      committed: {
        version: Number(lastInsertRowid),
        changes: rows.map((r) => ({ boardId: r.board_id, windowKey: r.window_key, userId, record: null })),
      },
    };
  }
}
