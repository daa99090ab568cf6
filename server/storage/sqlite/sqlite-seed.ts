import { sortKeyOf } from '../../domain/board.js';
import { SEED_CHUNK, seedScore, seedUser } from '../seed-scores.js';
import { openConnection } from './sqlite-connection.js';
import { SqliteStorage } from './sqlite-storage.js';

/**
 * Adds seed users 0..count-1 that are not there yet (one ledger row and a score each), in
 * transactions of SEED_CHUNK users; resolves with how many were added.
 */
export async function seedSqlite(
  file: string,
  count: number,
  progress: (done: number) => void,
): Promise<number> {
  await (await SqliteStorage.open({ file, sync: 'normal' })).close(); // the schema, migrated
  const db = openConnection(file, 'normal');
  try {
    // On the board `global`, whole window (`all`): a seed user's one action sets their score.
    const appendLedger = db.prepare(
      `INSERT INTO score_ledger (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
       SELECT 'global', @user, @user, @score, 0, @score, 'seed', NULL, @now
       WHERE NOT EXISTS (SELECT 1 FROM board_scores WHERE board_id = 'global' AND window_key = 'all' AND user_id = @user)
       ON CONFLICT (board_id, user_id, action_id) DO NOTHING`,
    );
    const insertScore = db.prepare(
      `INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
       VALUES ('global', 'all', ?, ?, ?, ?, ?)`,
    );
    const chunk = db.transaction((from: number, to: number, now: number) => {
      let added = 0;
      for (let i = from; i < to; i++) {
        const user = seedUser(i);
        const score = seedScore(i);
        const { changes, lastInsertRowid } = appendLedger.run({ user, score, now });
        if (changes === 0) continue;
        insertScore.run(user, score, sortKeyOf('desc', score), lastInsertRowid, now);
        added += 1;
      }
      return added;
    });
    let added = 0;
    for (let from = 0; from < count; from += SEED_CHUNK) {
      added += chunk(from, Math.min(count, from + SEED_CHUNK), Date.now());
      progress(Math.min(count, from + SEED_CHUNK));
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return added;
  } finally {
    db.close();
  }
}
