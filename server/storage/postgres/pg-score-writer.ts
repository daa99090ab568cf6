import type pg from 'pg';
import type {
  BoardChange,
  CommittedChanges,
  PriorAction,
  ScoreRecord,
  UpdateCommand,
  UpdateOutcome,
} from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import * as sql from './pg-statements.js';

/** One update waiting for the next batch. */
export interface UpdateJob {
  readonly command: UpdateCommand;
  readonly judge: Judge;
}

/** Thrown inside a batch when a concurrent commit took one of its action ids: judge again. */
class ActionTaken extends Error {}

/** How often a batch is judged again after losing a race for an action id. */
const MAX_ATTEMPTS = 4;

/**
 * The PostgreSQL write path: a batch of updates in one transaction, in a fixed number of
 * round trips. The batch's users are locked (advisory, per user, in one global order), the
 * state read, every job judged in order by the judge the service passed in (later jobs see
 * earlier ones), the ledger rows and final scores written, and one board version taken last.
 * Racing writes of one user from two instances serialise on the user lock, so nothing is lost
 * and no decrease slips through; an action id sent to two instances at once is applied once
 * (the second sees the first's ledger row, or loses the insert race and is judged again).
 */
export class PgScoreWriter {
  constructor(private readonly pool: pg.Pool) {}

  /** Commits the batch; resolves with each job's outcome. Throws when nothing could commit. */
  async commit(jobs: readonly UpdateJob[]): Promise<UpdateOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const outcomes = await this.run(client, jobs);
        await client.query('COMMIT');
        return outcomes;
      } catch (error) {
        broken = error;
        await client.query('ROLLBACK').catch(() => {});
        const retry = error instanceof ActionTaken || (error as { code?: string }).code === '40P01';
        if (!retry || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        // A connection that failed mid-transaction is not given back for reuse.
        client.release(
          broken !== undefined && !(broken instanceof ActionTaken) ? (broken as Error) : undefined,
        );
      }
    }
  }

  private async run(client: pg.PoolClient, jobs: readonly UpdateJob[]): Promise<UpdateOutcome[]> {
    const users = [...new Set(jobs.map((j) => j.command.userId))];
    const actions = [...new Set(jobs.map((j) => j.command.actionId))];
    await client.query({ ...sql.LOCK_USERS, values: [users] });
    const [scoreRows, priorRows] = await Promise.all([
      client.query<{ user_id: string; score: number; reached_seq: number }>({
        ...sql.CURRENT_SCORES,
        values: [users],
      }),
      client.query<{ action_id: string; user_id: string; previous_score: number; new_score: number }>({
        ...sql.PRIOR_ACTIONS,
        values: [actions],
      }),
    ]);
    const current = new Map<string, ScoreRecord>(
      scoreRows.rows.map((r) => [
        r.user_id,
        { userId: r.user_id, score: r.score, reachedSeq: r.reached_seq },
      ]),
    );
    const priors = new Map<string, PriorAction>(
      priorRows.rows.map((r) => [
        r.action_id,
        { userId: r.user_id, previousScore: r.previous_score, newScore: r.new_score },
      ]),
    );

    // Judge in order; an applied job's effect is visible to the jobs after it. A record this
    // batch writes gets its seq once its ledger row is in (the same object, filled in below).
    type Pending = { userId: string; score: number; reachedSeq: number };
    const applied: Array<{ command: UpdateCommand; previousScore: number; record: Pending; isNew: boolean }> =
      [];
    const outcomes: Array<UpdateOutcome | number> = [];
    for (const { command, judge } of jobs) {
      const before = current.get(command.userId);
      const prior = priors.get(command.actionId);
      const verdict = judge(command, before, prior);
      if (verdict.kind === 'refuse') outcomes.push({ kind: 'refused', refusal: verdict.refusal });
      else if (verdict.kind === 'replay')
        outcomes.push({ kind: 'replayed', prior: prior!, current: before! });
      else {
        const previousScore = before?.score ?? 0;
        // Same score again: the user keeps the moment they first reached it.
        const isNew = !before || before.score !== command.newScore;
        const record: Pending = isNew
          ? { userId: command.userId, score: command.newScore, reachedSeq: -1 }
          : before;
        outcomes.push(applied.length);
        applied.push({ command, previousScore, record, isNew });
        priors.set(command.actionId, { userId: command.userId, previousScore, newScore: command.newScore });
        current.set(command.userId, record);
      }
    }
    if (applied.length === 0) return outcomes as UpdateOutcome[];

    const now = Date.now();
    const inserted = await client.query<{ id: number; action_id: string }>({
      ...sql.APPEND_LEDGER,
      values: [
        applied.map((a) => a.command.actionId),
        applied.map((a) => a.command.userId),
        applied.map((a) => a.previousScore),
        applied.map((a) => a.command.newScore),
        applied.map((a) => a.command.subject),
        applied.map((a) => a.command.ip),
        applied.map(() => now),
      ],
    });
    if (inserted.rowCount !== applied.length) throw new ActionTaken();
    const seqOf = new Map(inserted.rows.map((r) => [r.action_id, r.id]));
    for (const a of applied) if (a.isNew) a.record.reachedSeq = seqOf.get(a.command.actionId)!;

    // The last record of each user the batch changed goes to the table and the board.
    const finals = new Map<string, ScoreRecord>();
    for (const a of applied) if (a.isNew) finals.set(a.record.userId, { ...a.record });
    const rows = [...finals.values()];
    if (rows.length > 0) {
      await client.query({
        ...sql.UPSERT_SCORES,
        values: [
          rows.map((r) => r.userId),
          rows.map((r) => r.score),
          rows.map((r) => r.reachedSeq),
          rows.map(() => now),
        ],
      });
    }
    const changes: BoardChange[] = rows.map((record) => ({ userId: record.userId, record }));
    const version = (
      await client.query<{ version: number }>({
        ...sql.NEXT_VERSION_WITH_CHANGES,
        values: [JSON.stringify(changes), now],
      })
    ).rows[0]!.version;
    const committed: CommittedChanges = { version, changes };
    return outcomes.map((o) => {
      if (typeof o !== 'number') return o;
      const a = applied[o]!;
      return { kind: 'applied', previousScore: a.previousScore, record: { ...a.record }, committed };
    });
  }
}
