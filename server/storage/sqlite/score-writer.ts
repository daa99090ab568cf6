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
 * of jobs shares one transaction (group commit): one fsync for the lot. Each job runs in its
 * own savepoint, so one failing job does not take its neighbours down with it. The score
 * rules run here, inside the transaction, on the state they judge.
 */
export class ScoreWriter {
  private readonly s: Statements;
  private readonly runJobs: (jobs: readonly WriteJob[]) => JobResult[];

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly rules: ScoreRules,
  ) {
    // Kysely only compiles the statements here; they run through better-sqlite3 directly.
    this.s = prepareStatements(
      new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
      sqlite,
    );
    const inSavepoint = sqlite.transaction((job: WriteJob) => this.run(job, Date.now()));
    this.runJobs = sqlite.transaction((jobs: readonly WriteJob[]) =>
      jobs.map((job): JobResult => {
        try {
          return { ok: true, value: inSavepoint(job) };
        } catch (error) {
          return { ok: false, error: String(error), unavailable: false };
        }
      }),
    );
  }

  /** Commits the jobs in one transaction; if the commit fails, every job fails as unavailable. */
  commit(jobs: readonly WriteJob[]): JobResult[] {
    try {
      return this.runJobs(jobs);
    } catch (error) {
      return jobs.map(() => ({ ok: false, error: String(error), unavailable: true }));
    }
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
