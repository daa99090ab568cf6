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
import { inTransaction } from './pg-pool.js';
import * as sql from './pg-statements.js';

/** One update waiting for the next batch. */
export interface UpdateJob {
  readonly command: UpdateCommand;
  readonly judge: Judge;
}

/** Thrown when COMMIT_BATCH found the state it was judged on gone: read and judge again. */
class StaleBatch extends Error {}

/** How often a batch is judged again after losing a race (a user's record, an action id). */
const MAX_ATTEMPTS = 4;

/** A row of READ_STATE: a user's current record, or one of their earlier actions. */
type StateRow =
  | { kind: 'record'; user_id: string; score: number; reached_seq: number }
  | { kind: 'prior'; user_id: string; action_id: string; previous_score: number; new_score: number };

/** Action ids are unique per user: an earlier action is known by both. */
const actionKey = (userId: string, actionId: string) => `${userId}\u0000${actionId}`;

/** A judged batch: each job's outcome, or the index of its write in `applied`. */
interface Judged {
  readonly outcomes: Array<UpdateOutcome | number>;
  readonly applied: Array<{ command: UpdateCommand; previousScore: number; record: Pending; isNew: boolean }>;
  /** The users of the applied jobs as read (null: no record yet), in first-seen order. */
  readonly read: Map<string, ScoreRecord | null>;
  /** The record the batch leaves for each user it changed, and the action that set it. */
  readonly finals: Map<string, { record: Pending; actionId: string }>;
}
type Pending = { userId: string; score: number; reachedSeq: number };

/**
 * The PostgreSQL write path: a batch of updates in two round trips. The batch's state is read
 * (READ_STATE), every job judged in order by the judge the service passed in (later jobs see
 * earlier ones), and the writes sent as one COMMIT_BATCH call: one statement, one commit, in
 * which PostgreSQL locks the users (advisory, per user, in one global order), checks that none
 * changed since the read, appends the ledger, writes the final records and takes the board
 * version last. A batch that lost a race (another instance wrote one of its users, or took one
 * of its users' action ids) is read and judged again, the retries inside a transaction that
 * holds the users' locks from before the read, so it cannot lose to the same user twice.
 * Nothing is lost, no decrease slips through, and a user's action id sent to two instances at
 * once is applied once.
 */
export class PgScoreWriter {
  constructor(private readonly pool: pg.Pool) {}

  /** Commits the batch; resolves with each job's outcome. Throws when nothing could commit. */
  async commit(jobs: readonly UpdateJob[]): Promise<UpdateOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return attempt === 1 ? await this.optimistic(jobs) : await this.locked(jobs);
      } catch (error) {
        if (!isRace(error) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Read, judge and write with no transaction around them (the common case: no race). */
  private async optimistic(jobs: readonly UpdateJob[]): Promise<UpdateOutcome[]> {
    const judged = this.judge(jobs, await this.readState(this.pool, jobs));
    return this.write(this.pool, judged);
  }

  /** The same inside a transaction that locks the batch's users before reading them. */
  private locked(jobs: readonly UpdateJob[]): Promise<UpdateOutcome[]> {
    return inTransaction(this.pool, 'BEGIN', async (client) => {
      await client.query({ ...sql.LOCK_USERS, values: [[...new Set(jobs.map((j) => j.command.userId))]] });
      return this.write(client, this.judge(jobs, await this.readState(client, jobs)));
    });
  }

  private async readState(db: Queryable, jobs: readonly UpdateJob[]): Promise<StateRow[]> {
    const users = [...new Set(jobs.map((j) => j.command.userId))];
    const actions = new Map(jobs.map(({ command: c }) => [actionKey(c.userId, c.actionId), c]));
    const values = [
      users,
      [...actions.values()].map((c) => c.userId),
      [...actions.values()].map((c) => c.actionId),
    ];
    return (await db.query<StateRow>({ ...sql.READ_STATE, values })).rows;
  }

  /** Judges every job in order; an applied job's effect is visible to the jobs after it. */
  private judge(jobs: readonly UpdateJob[], rows: readonly StateRow[]): Judged {
    const current = new Map<string, ScoreRecord>();
    const priors = new Map<string, PriorAction>();
    for (const r of rows) {
      if (r.kind === 'record')
        current.set(r.user_id, { userId: r.user_id, score: r.score, reachedSeq: r.reached_seq });
      else
        priors.set(actionKey(r.user_id, r.action_id), {
          userId: r.user_id,
          previousScore: r.previous_score,
          newScore: r.new_score,
        });
    }
    const read = new Map<string, ScoreRecord | null>();
    const finals: Judged['finals'] = new Map();
    const applied: Judged['applied'] = [];
    const outcomes: Judged['outcomes'] = [];
    for (const { command, judge } of jobs) {
      const before = current.get(command.userId);
      const prior = priors.get(actionKey(command.userId, command.actionId));
      const verdict = judge(command, before, prior);
      if (verdict.kind === 'refuse') outcomes.push({ kind: 'refused', refusal: verdict.refusal });
      else if (verdict.kind === 'replay')
        outcomes.push({ kind: 'replayed', prior: prior!, current: before! });
      else {
        if (!read.has(command.userId)) read.set(command.userId, before ?? null);
        const previousScore = before?.score ?? 0;
        // Same score again: the user keeps the moment they first reached it. A record this
        // batch writes gets its seq once its ledger row is in (the same object, filled in later).
        const isNew = !before || before.score !== command.newScore;
        const record: Pending = isNew
          ? { userId: command.userId, score: command.newScore, reachedSeq: -1 }
          : before;
        outcomes.push(applied.length);
        applied.push({ command, previousScore, record, isNew });
        if (isNew) finals.set(command.userId, { record, actionId: command.actionId });
        priors.set(actionKey(command.userId, command.actionId), {
          userId: command.userId,
          previousScore,
          newScore: command.newScore,
        });
        current.set(command.userId, record);
      }
    }
    return { outcomes, applied, read, finals };
  }

  /** Sends the applied jobs as one COMMIT_BATCH; resolves with every job's outcome. */
  private async write(db: Queryable, { outcomes, applied, read, finals }: Judged): Promise<UpdateOutcome[]> {
    if (applied.length === 0) return outcomes as UpdateOutcome[];
    const users = [...read.keys()];
    let result: pg.QueryResult<{ o_user_id: string; o_action_id: string; o_id: number; o_version: number }>;
    try {
      result = await db.query({
        ...sql.COMMIT_BATCH,
        values: [
          users,
          users.map((u) => read.get(u)?.score ?? null),
          users.map((u) => read.get(u)?.reachedSeq ?? null),
          applied.map((a) => a.command.actionId),
          applied.map((a) => a.command.userId),
          applied.map((a) => a.previousScore),
          applied.map((a) => a.command.newScore),
          applied.map((a) => a.command.subject),
          applied.map((a) => a.command.ip),
          [...finals.keys()],
          [...finals.values()].map((f) => f.record.score),
          [...finals.values()].map((f) => f.actionId),
          Date.now(),
        ],
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === sql.STALE_READ || code === sql.ACTION_TAKEN) throw new StaleBatch(code);
      throw error;
    }
    const seqOf = new Map(result.rows.map((r) => [actionKey(r.o_user_id, r.o_action_id), r.o_id]));
    for (const a of applied) {
      if (a.isNew) a.record.reachedSeq = seqOf.get(actionKey(a.command.userId, a.command.actionId))!;
    }
    // The same changes, in the same order, as the function recorded for this version.
    const changes: BoardChange[] = [...finals].map(([userId, f]) => ({ userId, record: { ...f.record } }));
    const committed: CommittedChanges = { version: result.rows[0]!.o_version, changes };
    return outcomes.map((o) => {
      if (typeof o !== 'number') return o;
      const a = applied[o]!;
      return { kind: 'applied', previousScore: a.previousScore, record: { ...a.record }, committed };
    });
  }
}

/** A lost race, judged again: a changed user or a user's action id taken, or a deadlock. */
function isRace(error: unknown): boolean {
  return error instanceof StaleBatch || (error as { code?: string }).code === '40P01';
}

/** A pool or a connection in a transaction: both run queries. */
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;
