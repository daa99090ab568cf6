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
        `INSERT INTO score_ledger (board_id, action_id, user_id, value, previous_score, new_score, subject, created_at)
         VALUES ($1, $2, 'alice', 10, 0, 10, 'alice', $3)`,
        [boardId, `a${submissions}`, Date.now()],
      );
    },
    close: async () => {
      await writer.end();
      await storage.close();
      await schema.drop();
    },
  };
});
