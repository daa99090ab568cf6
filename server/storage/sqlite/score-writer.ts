import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { judgeUpdate, type ScoreRules } from '../../scores/score.rules.js';
import type { Database } from '../database.js';
import type { ScoreRecord, SecurityEvent, UpdateCommand, UpdateOutcome } from '../storage.js';
import { prepareStatements, type Statements } from './statements.js';
import type { JobResult, WriteJob } from './write-jobs.js';

interface ScoreRowLite {
  user_id: string;
  score: number;
  reached_seq: number;
}

/**
 * Every write of the embedded storage, on one connection, with prepared statements. A batch
 * of jobs shares one transaction (group commit): one sync for the lot. The score rules run
 * here, inside the transaction, on the state they judge.
 */
export class ScoreWriter {
  private readonly s: Statements;
  private readonly runAll: (jobs: readonly WriteJob[]) => unknown[];
  private readonly runOne: (job: WriteJob) => unknown;

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly rules: ScoreRules,
  ) {
    // Kysely only compiles the statements here; they run through better-sqlite3 directly.
    this.s = prepareStatements(
      new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
      sqlite,
    );
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
      return this.runAll(jobs).map((value) => ({ ok: true, value }));
    } catch (error) {
      if (jobs.length === 1) return [this.failure(error)];
      return jobs.map((job) => {
        try {
          return { ok: true, value: this.runOne(job) };
        } catch (jobError) {
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
    switch (job.op) {
      case 'update':
        return this.update(job.command, job.canDecrease, now);
      case 'event':
        return this.event(job.event, now);
      case 'flag':
        this.s.flagUser.run(job.userId, job.reason, now, job.reason, now);
        return undefined;
      case 'clearFlag':
        return this.s.clearFlag.run(now, job.clearedBy, job.userId).changes > 0;
    }
  }

  private event(event: SecurityEvent, now: number): void {
    this.s.appendSecurityEvent.run(event.kind, event.subject, event.ip, event.userId, event.reason, now);
  }

  private update(command: UpdateCommand, canDecrease: boolean, now: number): UpdateOutcome {
    const priorRow = this.s.priorAction.get(command.actionId) as
      { user_id: string; previous_score: number; new_score: number } | undefined;
    const currentRow = this.s.currentScore.get(command.userId) as ScoreRowLite | undefined;
    const current: ScoreRecord | undefined = currentRow && {
      userId: currentRow.user_id,
      score: currentRow.score,
      reachedSeq: currentRow.reached_seq,
    };
    const prior = priorRow && {
      userId: priorRow.user_id,
      previousScore: priorRow.previous_score,
      newScore: priorRow.new_score,
    };
    const verdict = judgeUpdate(this.rules, canDecrease, command, current, prior);
    if (verdict.kind === 'refuse') {
      const { kind, message } = verdict.refusal;
      this.event(
        { kind, subject: command.subject, ip: command.ip, userId: command.userId, reason: message },
        now,
      );
      return { kind: 'refused', refusal: verdict.refusal };
    }
    if (verdict.kind === 'replay') {
      return { kind: 'replayed', previousScore: prior!.previousScore, record: current! };
    }
    const previousScore = current?.score ?? 0;
    const { lastInsertRowid } = this.s.appendLedger.run(
      command.actionId,
      command.userId,
      previousScore,
      command.newScore,
      command.subject,
      command.ip,
      now,
    );
    if (current && current.score === command.newScore) {
      // Same score again: the user keeps the moment they first reached it.
      return { kind: 'applied', previousScore, record: current };
    }
    const record = { userId: command.userId, score: command.newScore, reachedSeq: Number(lastInsertRowid) };
    this.s.upsertScore.run(record.userId, record.score, record.reachedSeq, now);
    return { kind: 'applied', previousScore, record };
  }
}
