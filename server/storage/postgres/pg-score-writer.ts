import type pg from 'pg';
import { sortKeyOf } from '../../domain/board.js';
import { windowsAt } from '../../domain/board-windows.js';
import type {
  BoardChange,
  CommittedChanges,
  PriorAction,
  ScoreRecord,
  UpdateCommand,
  UpdateOutcome,
} from '../../domain/score-record.js';
import { nextWindowScore } from '../../domain/score-rules.js';
import type { Judge } from '../../domain/verdict.js';
import { SeasonStarts } from '../season-starts.js';
import { inTransaction } from './pg-pool.js';
import { learnSeasons } from './pg-seasons.js';
import * as sql from './pg-statements.js';

/** One update waiting for the next batch. */
export interface UpdateJob {
  readonly command: UpdateCommand;
  readonly judge: Judge;
}

/** Thrown when the state a batch was judged on is gone, or was not all read: read and judge again. */
class StaleBatch extends Error {}

/** How often a batch is judged again after losing a race (a row, an action id, a reset). */
const MAX_ATTEMPTS = 4;

/** A row of READ_STATE: the database's clock, a window row, or one of a user's earlier actions. */
type StateRow =
  | { kind: 'now'; now: number }
  | { kind: 'row'; board_id: string; window_key: string; user_id: string; score: number; reached_seq: number }
  | {
      kind: 'prior';
      board_id: string;
      user_id: string;
      action_id: string;
      value: number;
      previous_score: number;
      new_score: number;
    };

/** One key of several names (none holds a NUL). */
const keyOf = (...names: string[]) => names.join('\u0000');
/** A window row: one user's in one window of one board. */
const rowKey = (boardId: string, windowKey: string, userId: string) => keyOf(boardId, windowKey, userId);
/** Action ids are unique per board and user: an earlier action is known by all three. */
const actionKey = (boardId: string, userId: string, actionId: string) => keyOf(boardId, userId, actionId);
const actionKeyOf = (c: UpdateCommand) => actionKey(c.board.id, c.userId, c.actionId);

/** What a batch is judged on, read at the database's instant `now`. */
interface State {
  readonly now: number;
  /** The window rows asked for (whether or not the user has one). */
  readonly asked: ReadonlySet<string>;
  readonly rows: ReadonlyMap<string, ScoreRecord>;
  readonly priors: ReadonlyMap<string, PriorAction>;
}

/** A record this batch writes: its seq is the ledger id of its action, known once committed. */
type Pending = { userId: string; score: number; reachedSeq: number };

/** A window row of the batch: where it is, and its record (null: none). */
interface WindowRow {
  readonly boardId: string;
  readonly windowKey: string;
  readonly userId: string;
  readonly record: Pending | null;
}

/** An applied job: its ledger row and its outcome once committed. */
interface Applied {
  readonly command: UpdateCommand;
  /** The user's score on the whole board before. */
  readonly previousScore: number;
  /** Their record in the window `all` after (the one before when it did not change). */
  readonly record: Pending;
  /** Whether it wrote any window row. */
  readonly changed: boolean;
}

/** A judged batch: each job's outcome, or the index of its write in `applied`. */
interface Judged {
  readonly outcomes: Array<UpdateOutcome | number>;
  readonly applied: Applied[];
  /** The window rows the applied jobs were judged on, as read, in first-seen order. */
  readonly read: Map<string, WindowRow>;
  /** The record the batch leaves in each window row it changed, and the action that set it. */
  readonly writes: Map<string, WindowRow & { record: Pending; sortKey: number; actionId: string }>;
  /** Every record the batch made, with its action (the seq each gets). */
  readonly made: Array<{ record: Pending; action: string }>;
  /** When the windows the applied jobs were judged in hold, [from, until) epoch ms. */
  validFrom: number;
  validUntil: number;
  /** The boards of the applied jobs that keep seasons: how many starts each was judged with. */
  readonly seasons: Map<string, number>;
}

/**
 * The PostgreSQL write path: a batch of updates in two round trips. The batch's state is read
 * (READ_STATE: the database's clock, the user's rows in the windows in force, their earlier
 * actions), every job judged in order by the judge the service passed in (later jobs see
 * earlier ones), at the database's instant, and the writes sent as one COMMIT_BATCH call: one
 * statement, one commit, in which PostgreSQL locks the users (advisory, per user, in one
 * global order), checks that none of the rows read changed, takes the commit instant from its
 * clock and checks that the batch's windows still hold then, appends the ledger, writes the
 * window rows and takes the board version last. A batch that lost a race (another instance
 * wrote one of its rows or took one of its action ids, or a window reset or a season start came
 * between the read and the commit) is read and judged again, the retries inside a transaction that holds the
 * users' locks from before the read, so it cannot lose to the same user twice. Nothing is
 * lost, no decrease slips through, a user's action id sent to two instances at once is applied
 * once, and a write counts in the windows of the instant it commits at, whatever the clocks
 * of the instances.
 */
export class PgScoreWriter {
  /**
   * The database's clock minus this process's, as the last read found it: the windows a batch
   * asks rows of are those in force at the database's instant, which is known only once read.
   */
  private clockOffset = 0;

  constructor(
    private readonly pool: pg.Pool,
    /** The season starts stored beyond those of the commands' boards (a season started meanwhile). */
    private readonly seasons: SeasonStarts = new SeasonStarts(),
  ) {}

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

  /**
   * Reads the rows of the windows in force at the database's instant as this process guesses
   * it; a guess that missed a window (a reset between the guess and the read) fails the
   * judging, which reads again with the offset corrected.
   */
  private async readState(db: Queryable, jobs: readonly UpdateJob[]): Promise<State> {
    const guess = Date.now() + this.clockOffset;
    const asked = new Map<string, readonly [string, string, string]>();
    for (const { command: c } of jobs) {
      for (const w of windowsAt(this.seasons.current(c.board), guess))
        asked.set(rowKey(c.board.id, w.key, c.userId), [c.board.id, w.key, c.userId]);
    }
    const actions = new Map(jobs.map(({ command: c }) => [actionKeyOf(c), c]));
    const values = [
      [...asked.values()].map((r) => r[0]),
      [...asked.values()].map((r) => r[1]),
      [...asked.values()].map((r) => r[2]),
      [...actions.values()].map((c) => c.board.id),
      [...actions.values()].map((c) => c.userId),
      [...actions.values()].map((c) => c.actionId),
    ];
    const result = await db.query<StateRow>({ ...sql.READ_STATE, values });
    let now = Number.NaN;
    const rows = new Map<string, ScoreRecord>();
    const priors = new Map<string, PriorAction>();
    for (const r of result.rows) {
      if (r.kind === 'now') now = r.now;
      else if (r.kind === 'row')
        rows.set(rowKey(r.board_id, r.window_key, r.user_id), {
          userId: r.user_id,
          score: r.score,
          reachedSeq: r.reached_seq,
        });
      else
        priors.set(actionKey(r.board_id, r.user_id, r.action_id), {
          userId: r.user_id,
          value: r.value,
          previousScore: r.previous_score,
          newScore: r.new_score,
        });
    }
    this.clockOffset = now - Date.now();
    return { now, asked: new Set(asked.keys()), rows, priors };
  }

  /**
   * Judges every job in order at the database's instant; an applied job's effect is visible
   * to the jobs after it. Each window in force gets the score the board's operator gives it.
   */
  private judge(jobs: readonly UpdateJob[], state: State): Judged {
    const current = new Map<string, Pending>(state.rows);
    const priors = new Map(state.priors);
    const judged: Judged = {
      outcomes: [],
      applied: [],
      read: new Map(),
      writes: new Map(),
      made: [],
      validFrom: -Infinity,
      validUntil: Infinity,
      seasons: new Map(),
    };
    for (const { command, judge } of jobs) {
      const { userId } = command;
      const board = this.seasons.current(command.board);
      const windows = windowsAt(board, state.now);
      const keys = windows.map((w) => rowKey(board.id, w.key, userId));
      if (!keys.every((k) => state.asked.has(k))) throw new StaleBatch('a window in force was not read');
      // `all` comes first: the user's score on the whole board.
      const before = current.get(keys[0]!);
      const prior = priors.get(actionKeyOf(command));
      const verdict = judge(command, before, prior);
      if (verdict.kind === 'refuse') {
        judged.outcomes.push({ kind: 'refused', refusal: verdict.refusal });
        continue;
      }
      if (verdict.kind === 'replay') {
        judged.outcomes.push({ kind: 'replayed', prior: prior!, current: before });
        continue;
      }
      let changed = false;
      windows.forEach((window, i) => {
        const key = keys[i]!;
        const row = current.get(key);
        if (!judged.read.has(key))
          judged.read.set(key, { boardId: board.id, windowKey: window.key, userId, record: row ?? null });
        judged.validFrom = Math.max(judged.validFrom, window.startMs ?? -Infinity);
        judged.validUntil = Math.min(judged.validUntil, window.endMs ?? Infinity);
        const score = nextWindowScore(board, command.newScore, row?.score, before?.score);
        // The same score again: the user keeps the moment they first reached it.
        if (row?.score === score) return;
        const record: Pending = { userId, score, reachedSeq: -1 };
        current.set(key, record);
        judged.writes.set(key, {
          boardId: board.id,
          windowKey: window.key,
          userId,
          record,
          sortKey: sortKeyOf(board.order, score),
          actionId: command.actionId,
        });
        judged.made.push({ record, action: actionKeyOf(command) });
        changed = true;
      });
      const season = board.windows.get('season');
      if (season?.kind === 'season') judged.seasons.set(board.id, season.seasons.length);
      const record = current.get(keys[0]!)!;
      const previousScore = before?.score ?? 0;
      judged.outcomes.push(judged.applied.length);
      judged.applied.push({ command, previousScore, record, changed });
      priors.set(actionKeyOf(command), {
        userId,
        value: command.newScore,
        previousScore,
        newScore: record.score,
      });
    }
    return judged;
  }

  /** Sends the applied jobs as one COMMIT_BATCH; resolves with every job's outcome. */
  private async write(db: Queryable, judged: Judged): Promise<UpdateOutcome[]> {
    const { outcomes, applied } = judged;
    if (applied.length === 0) return outcomes as UpdateOutcome[];
    const read = [...judged.read.values()];
    const writes = [...judged.writes.values()];
    let result: pg.QueryResult<{
      o_board_id: string;
      o_user_id: string;
      o_action_id: string;
      o_id: number;
      o_version: number;
    }>;
    try {
      result = await db.query({
        ...sql.COMMIT_BATCH,
        values: [
          [...new Set(applied.map((a) => a.command.userId))],
          read.map((r) => r.boardId),
          read.map((r) => r.windowKey),
          read.map((r) => r.userId),
          read.map((r) => r.record?.score ?? null),
          read.map((r) => r.record?.reachedSeq ?? null),
          applied.map((a) => a.command.board.id),
          applied.map((a) => a.command.actionId),
          applied.map((a) => a.command.userId),
          applied.map((a) => a.command.newScore),
          applied.map((a) => a.previousScore),
          applied.map((a) => a.record.score),
          applied.map((a) => a.command.subject),
          applied.map((a) => a.command.ip),
          writes.map((w) => w.boardId),
          writes.map((w) => w.windowKey),
          writes.map((w) => w.userId),
          writes.map((w) => w.record.score),
          writes.map((w) => w.sortKey),
          writes.map((w) => w.actionId),
          Number.isFinite(judged.validFrom) ? judged.validFrom : null,
          Number.isFinite(judged.validUntil) ? judged.validUntil : null,
          [...judged.seasons.keys()],
          [...judged.seasons.values()],
        ],
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === sql.SEASON_STARTED) {
        // On a connection of its own: `db` may be a transaction this error aborted.
        await learnSeasons(this.pool, this.seasons, [...judged.seasons.keys()]);
        throw new StaleBatch(code);
      }
      if (code === sql.STALE_READ || code === sql.ACTION_TAKEN || code === sql.RESET_CROSSED) {
        throw new StaleBatch(code);
      }
      throw error;
    }
    const seqOf = new Map(
      result.rows.map((r) => [actionKey(r.o_board_id, r.o_user_id, r.o_action_id), r.o_id]),
    );
    for (const { record, action } of judged.made) record.reachedSeq = seqOf.get(action)!;
    // The same changes, in the same order, as the function recorded for this version.
    const changes: BoardChange[] = writes.map((w) => ({
      boardId: w.boardId,
      windowKey: w.windowKey,
      userId: w.userId,
      record: { ...w.record },
    }));
    const committed: CommittedChanges = { version: result.rows[0]!.o_version, changes };
    return outcomes.map((o) => {
      if (typeof o !== 'number') return o;
      const a = applied[o]!;
      return {
        kind: 'applied',
        previousScore: a.previousScore,
        record: { ...a.record },
        changed: a.changed,
        committed,
      };
    });
  }
}

/** A lost race, judged again: a changed user or a user's action id taken, or a deadlock. */
function isRace(error: unknown): boolean {
  return error instanceof StaleBatch || (error as { code?: string }).code === '40P01';
}

/** A pool or a connection in a transaction: both run queries. */
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;
