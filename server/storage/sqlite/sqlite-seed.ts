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
    const appendLedger = db.prepare(
      `INSERT INTO score_ledger (action_id, user_id, previous_score, new_score, subject, ip, created_at)
       SELECT @user, @user, 0, @score, 'seed', NULL, @now WHERE NOT EXISTS (SELECT 1 FROM scores WHERE user_id = @user)
       ON CONFLICT (user_id, action_id) DO NOTHING`,
    );
    const insertScore = db.prepare(
      'INSERT INTO scores (user_id, score, reached_seq, updated_at) VALUES (?, ?, ?, ?)',
    );
    const chunk = db.transaction((from: number, to: number, now: number) => {
      let added = 0;
      for (let i = from; i < to; i++) {
        const user = seedUser(i);
        const score = seedScore(i);
        const { changes, lastInsertRowid } = appendLedger.run({ user, score, now });
        if (changes === 0) continue;
        insertScore.run(user, score, lastInsertRowid, now);
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
