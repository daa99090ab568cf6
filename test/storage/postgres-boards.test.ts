import pg from 'pg';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { boardStoreContract } from '../contracts/board-store.contract.js';
import { freshSchema } from '../helpers/postgres.js';

let submissions = 0;

boardStoreContract('PostgreSQL', async () => {
  const schema = await freshSchema();
  const storage = await PostgresStorage.open({ url: schema.url });
  const writer = new pg.Client({ connectionString: schema.url });
  await writer.connect();
  return {
    store: storage.boards,
    addSubmission: async (boardId) => {
      submissions += 1;
      await writer.query(
        `INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
         VALUES ($1, 'all', $2, 10, -10, $3, $4)`,
        [boardId, `u${submissions}`, submissions, Date.now()],
      );
    },
    close: async () => {
      await writer.end();
      await storage.close();
      await schema.drop();
    },
  };
});
