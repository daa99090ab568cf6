import { afterEach, describe, expect, it } from 'vitest';
import { errorBody, SUCCESS_BODY } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

let server: TestServer;
afterEach(() => server?.close());

const asUser = (user: string) => ({ authorization: `Bearer ${tokenFor(user)}` });
const asService = () => ({ authorization: `Bearer ${serviceToken()}` });
const update = (user: string, action: string, score: number, headers = asUser(user)) =>
  server.post('/update-score', { user_id: user, action_id: action, new_score: score }, headers);
const scores = () => server.query('select user_id, score from scores order by user_id');
const ledgerSize = () => server.query('select id from score_ledger').length;

describe('score rules', () => {
  it('refuses a score above SCORE_MAX with 422', async () => {
    server = await startTestServer({ SCORE_MAX: '500', SCORE_MAX_GAIN: '500' });
    const res = await update('alice', 'a1', 501);
    expect(res.status).toBe(422);
    expect(res.body).toBe(errorBody('new_score must be at most 500'));
    expect(scores()).toEqual([]);
  });

  it('accepts a score of exactly SCORE_MAX', async () => {
    server = await startTestServer({ SCORE_MAX: '500', SCORE_MAX_GAIN: '500' });
    expect((await update('alice', 'a1', 500)).status).toBe(200);
    expect(scores()).toEqual([{ user_id: 'alice', score: 500 }]);
  });

  it('refuses a decrease by default and keeps the higher score', async () => {
    server = await startTestServer();
    await update('alice', 'a1', 100);
    const res = await update('alice', 'a2', 90);
    expect(res.status).toBe(422);
    expect(res.body).toBe(
      errorBody('new_score 90 is lower than the current score 100; scores may not decrease'),
    );
    expect(scores()).toEqual([{ user_id: 'alice', score: 100 }]);
    expect(ledgerSize()).toBe(1);
  });

  it('refuses a decrease even from a service token unless the server allows it', async () => {
    server = await startTestServer();
    await update('alice', 'a1', 100, asService());
    const res = await update('alice', 'a2', 90, asService());
    expect([res.status, res.body]).toEqual([
      422,
      errorBody('new_score 90 is lower than the current score 100; scores may not decrease'),
    ]);
    expect(scores()).toEqual([{ user_id: 'alice', score: 100 }]);
    expect(ledgerSize()).toBe(1);
  });

  it('lets only service tokens decrease with SCORE_ALLOW_DECREASE=service', async () => {
    server = await startTestServer({ SCORE_ALLOW_DECREASE: 'service' });
    await update('alice', 'a1', 100);
    expect((await update('alice', 'a2', 90)).status).toBe(422);
    expect((await update('alice', 'a3', 80, asService())).status).toBe(200);
    expect(scores()).toEqual([{ user_id: 'alice', score: 80 }]);
  });

  it('lets anyone decrease with SCORE_ALLOW_DECREASE=true', async () => {
    server = await startTestServer({ SCORE_ALLOW_DECREASE: 'true' });
    await update('alice', 'a1', 100);
    expect((await update('alice', 'a2', 0)).status).toBe(200);
    expect(scores()).toEqual([{ user_id: 'alice', score: 0 }]);
  });

  it('refuses a gain above SCORE_MAX_GAIN and accepts exactly SCORE_MAX_GAIN', async () => {
    server = await startTestServer({ SCORE_MAX_GAIN: '50' });
    expect((await update('alice', 'a1', 50)).status).toBe(200);
    const res = await update('alice', 'a2', 101);
    expect(res.status).toBe(422);
    expect(res.body).toBe(
      errorBody('new_score 101 raises the score by 51; one update may raise it by at most 50'),
    );
    expect((await update('alice', 'a3', 100)).status).toBe(200);
    expect(scores()).toEqual([{ user_id: 'alice', score: 100 }]);
  });

  it('answers a replay with the same payload with 200 and changes nothing', async () => {
    server = await startTestServer();
    await update('alice', 'a1', 10);
    await update('alice', 'a2', 20);
    const replay = await update('alice', 'a1', 10);
    expect(replay.status).toBe(200);
    expect(replay.body).toBe(SUCCESS_BODY);
    expect(scores()).toEqual([{ user_id: 'alice', score: 20 }]);
    expect(ledgerSize()).toBe(2);
  });

  it("keeps action ids per user: alice's token cannot block bob's id, nor learn of it", async () => {
    server = await startTestServer();
    // alice's own token, alice's own score, with an id bob will use.
    expect((await update('alice', 'bob-level-1', 10)).status).toBe(200);
    expect(await update('bob', 'bob-level-1', 20)).toMatchObject({ status: 200, body: SUCCESS_BODY });
    // Each replay and conflict is judged among the user's own ids.
    expect(await update('bob', 'bob-level-1', 20)).toMatchObject({ status: 200, body: SUCCESS_BODY });
    const conflict = await update('bob', 'bob-level-1', 30);
    expect([conflict.status, conflict.body]).toEqual([
      409,
      errorBody('action_id "bob-level-1" was already used with a different payload'),
    ]);
    expect(server.query('select user_id, action_id, new_score from score_ledger order by id')).toEqual([
      { user_id: 'alice', action_id: 'bob-level-1', new_score: 10 },
      { user_id: 'bob', action_id: 'bob-level-1', new_score: 20 },
    ]);
    expect(scores()).toEqual([
      { user_id: 'alice', score: 10 },
      { user_id: 'bob', score: 20 },
    ]);
  });

  it('lets a refused action_id be used again, since nothing was applied', async () => {
    server = await startTestServer();
    expect((await update('alice', 'a1', 5000)).status).toBe(422);
    expect((await update('alice', 'a1', 50)).status).toBe(200);
    expect(server.query('select action_id, new_score from score_ledger')).toEqual([
      { action_id: 'a1', new_score: 50 },
    ]);
  });

  it('applies concurrent updates of one user in arrival order within the rules', async () => {
    server = await startTestServer();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => update('alice', `c${i}`, (i + 1) * 10)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(scores()).toEqual([{ user_id: 'alice', score: 200 }]);
    expect(ledgerSize()).toBe(20);
  });

  it('writes every accepted update to the append-only ledger', async () => {
    server = await startTestServer();
    await update('alice', 'a1', 10);
    await update('alice', 'a2', 30);
    expect(
      server.query(
        'select action_id, user_id, previous_score, new_score, subject, ip from score_ledger order by id',
      ),
    ).toEqual([
      {
        action_id: 'a1',
        user_id: 'alice',
        previous_score: 0,
        new_score: 10,
        subject: 'alice',
        ip: '127.0.0.1',
      },
      {
        action_id: 'a2',
        user_id: 'alice',
        previous_score: 10,
        new_score: 30,
        subject: 'alice',
        ip: '127.0.0.1',
      },
    ]);
  });
});
