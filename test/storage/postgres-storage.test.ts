import pg from 'pg';
import { PostgresStorage } from '../../server/storage/postgres/postgres-storage.js';
import { storageContract } from '../contracts/storage.contract.js';
import { freshSchema } from '../helpers/postgres.js';

storageContract('PostgreSQL', async () => {
  const schema = await freshSchema();
  const storage = await PostgresStorage.open({ url: schema.url });
  const reader = new pg.Client({ connectionString: schema.url });
  await reader.connect();
  return {
    storage,
    ledger: async () =>
      (await reader.query('select action_id, user_id, subject, ip from score_ledger order by id')).rows,
    tamperWithLedger: async (actionId) => {
      try {
        await reader.query('update score_ledger set new_score = new_score + 1 where action_id = $1', [
          actionId,
        ]);
        return undefined;
      } catch (error) {
        return error;
      }
    },
    close: async () => {
      await reader.end();
      await storage.close();
      await schema.drop();
    },
  };
});
