import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_REQUEST_BODY } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken } from '../helpers/tokens.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const valid = { user_id: 'alice', action_id: 'a-1', new_score: 10 };

const cases: Array<[string, string | Uint8Array]> = [
  ['a missing user_id', JSON.stringify({ action_id: 'x', new_score: 1 })],
  ['a missing action_id', JSON.stringify({ user_id: 'alice', new_score: 1 })],
  ['a missing new_score', JSON.stringify({ user_id: 'alice', action_id: 'x' })],
  ['a string new_score', JSON.stringify({ ...valid, new_score: '10' })],
  ['a numeric user_id', JSON.stringify({ ...valid, user_id: 42 })],
  ['a null action_id', JSON.stringify({ ...valid, action_id: null })],
  ['a float new_score', JSON.stringify({ ...valid, new_score: 1.5 })],
  ['a negative new_score', JSON.stringify({ ...valid, new_score: -1 })],
  [
    'a new_score beyond the safe-integer range',
    '{"user_id":"alice","action_id":"x","new_score":9007199254740993}',
  ],
  ['a new_score written as 1e400', '{"user_id":"alice","action_id":"x","new_score":1e400}'],
  ['NaN as new_score', '{"user_id":"alice","action_id":"x","new_score":NaN}'],
  ['an empty user_id', JSON.stringify({ ...valid, user_id: '' })],
  ['an empty action_id', JSON.stringify({ ...valid, action_id: '' })],
  ['a user_id of 129 characters', JSON.stringify({ ...valid, user_id: 'u'.repeat(129) })],
  ['a newline in user_id', JSON.stringify({ ...valid, user_id: 'ali\nce' })],
  ['a NUL in action_id', JSON.stringify({ ...valid, action_id: 'a\u0000b' })],
  ['a DEL in user_id', JSON.stringify({ ...valid, user_id: 'al\u007fice' })],
  ['a lone surrogate in user_id', '{"user_id":"al\\ud800ice","action_id":"x","new_score":1}'],
  ['an unknown field', JSON.stringify({ ...valid, bonus: 1 })],
  ['a __proto__ key', '{"user_id":"alice","action_id":"x","new_score":1,"__proto__":{"admin":true}}'],
  ['an array body', JSON.stringify([valid])],
  ['a string body', JSON.stringify('alice')],
  ['a null body', 'null'],
  ['malformed JSON', '{"user_id":"alice",'],
  ['an empty body', ''],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
];

describe('POST /update-score validation', () => {
  it.each(cases)('refuses %s with the literal 400 body and changes nothing', async (_name, body) => {
    const res = await server.post('/update-score', body, { authorization: `Bearer ${serviceToken()}` });
    expect(res.status).toBe(400);
    expect(res.body).toBe(BAD_REQUEST_BODY);
    expect(server.query('select * from scores')).toEqual([]);
    expect(server.query('select * from score_ledger')).toEqual([]);
  });

  it('counts every refused body in one invalid_input security event, with the first reason', async () => {
    await server.flushAudit();
    const events = server.query<{ kind: string; subject: string; reason: string; count: number }>(
      "select kind, subject, reason, count from security_events where kind = 'invalid_input'",
    );
    expect(events).toEqual([
      {
        kind: 'invalid_input',
        subject: 'game-server',
        reason: expect.stringMatching(/^user_id: /), // the first case: user_id is missing
        count: cases.length,
      },
    ]);
  });

  it('accepts a user_id of exactly 128 characters and unicode text', async () => {
    const token = { authorization: `Bearer ${serviceToken()}` };
    const long = await server.post(
      '/update-score',
      { ...valid, user_id: 'u'.repeat(128), action_id: 'ok-1' },
      token,
    );
    const unicode = await server.post(
      '/update-score',
      { ...valid, user_id: 'Zoë 🎮', action_id: 'ok-2' },
      token,
    );
    expect([long.status, unicode.status]).toEqual([200, 200]);
    expect(server.query('select user_id from scores order by user_id')).toEqual([
      { user_id: 'Zoë 🎮' },
      { user_id: 'u'.repeat(128) },
    ]);
  });

  it('checks the token before the body: a bad body without a token is a 401', async () => {
    const res = await server.post('/update-score', '{oops');
    expect(res.status).toBe(401);
  });
});
