import type { Kysely } from 'kysely';
import type { ScoreRecord, UpdateCommand, UpdateOutcome } from '../../domain/score-record.js';
import type { Judge } from '../../domain/verdict.js';
import type { Database } from '../database.js';
import type { ScoreStore } from '../storage.js';
import type { GroupCommit } from './group-commit.js';

const toRecord = (row: { user_id: string; score: number; reached_seq: number }): ScoreRecord => ({
  userId: row.user_id,
  score: row.score,
  reachedSeq: row.reached_seq,
});

/** Scores and the ledger in SQLite: writes through group commit, reads through Kysely. */
export class SqliteScoreStore implements ScoreStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: GroupCommit,
  ) {}

  applyUpdate(command: UpdateCommand, judge: Judge): Promise<UpdateOutcome> {
    return this.writer.submit({ op: 'update', command, judge });
  }

  async topScores(limit: number, offset = 0): Promise<ScoreRecord[]> {
    const rows = await this.db
      .selectFrom('scores')
      .select(['user_id', 'score', 'reached_seq'])
      .orderBy('score', 'desc')
      .orderBy('reached_seq', 'asc')
      .orderBy('user_id', 'asc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toRecord);
  }

  async latestSeq(): Promise<number> {
    const row = await this.db
      .selectFrom('score_ledger')
      .select((eb) => eb.fn.max('id').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  async epoch(): Promise<string> {
    const row = await this.db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'epoch')
      .executeTakeFirstOrThrow();
    return row.value;
  }

  async rankOf(record: ScoreRecord): Promise<number> {
    const row = await this.db
      .selectFrom('scores')
      .select((eb) => eb.fn.countAll<number>().as('ahead'))
      // The user's own row never counts as ahead of them (it may be newer than `record`).
      .where('user_id', '!=', record.userId)
      .where((eb) =>
        eb.or([
          eb('score', '>', record.score),
          eb.and([eb('score', '=', record.score), eb('reached_seq', '<', record.reachedSeq)]),
        ]),
      )
      .executeTakeFirstOrThrow();
    return Number(row.ahead) + 1;
  }
}
