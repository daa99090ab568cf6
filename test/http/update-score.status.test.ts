import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_REQUEST_BODY, errorBody, SUCCESS_BODY, UNAUTHORIZED_BODY } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const scoreOf = (user: string) =>
  server.query<{ score: number }>('select score from scores where user_id = ?', user)[0]?.score;

describe('POST /update-score status codes', () => {
  it('answers 200 with the literal success body and stores the score', async () => {
    const res = await server.post(
      '/update-score',
      { user_id: 'alice', action_id: 's-1', new_score: 10 },
      auth(tokenFor('alice')),
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe(SUCCESS_BODY);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(scoreOf('alice')).toBe(10);
    expect(
      server.query(
        'select action_id, user_id, previous_score, new_score, subject from score_ledger where action_id = ?',
        's-1',
      ),
    ).toEqual([{ action_id: 's-1', user_id: 'alice', previous_score: 0, new_score: 10, subject: 'alice' }]);
  });

  it('answers 400 with the literal body for invalid input and stores nothing', async () => {
    const res = await server.post(
      '/update-score',
      { user_id: 'bob', action_id: 's-2' },
      auth(tokenFor('bob')),
    );
    expect(res.status).toBe(400);
    expect(res.body).toBe(BAD_REQUEST_BODY);
    expect(scoreOf('bob')).toBeUndefined();
  });

  it('answers 401 with the literal body without a token and records a security event', async () => {
    const before = server.query('select id from security_events').length;
    const res = await server.post('/update-score', { user_id: 'carol', action_id: 's-3', new_score: 1 });
    expect(res.status).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED_BODY);
    expect(scoreOf('carol')).toBeUndefined();
    const events = server.query<{ kind: string; user_id: string | null; ip: string }>(
      'select kind, user_id, ip from security_events order by id',
    );
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toEqual({ kind: 'unauthorized', user_id: null, ip: '127.0.0.1' });
  });

  it('answers 401 for a token signed with another secret', async () => {
    const token = tokenFor('carol', { secret: 'another-secret-of-at-least-32-characters!' });
    const res = await server.post(
      '/update-score',
      { user_id: 'carol', action_id: 's-4', new_score: 1 },
      auth(token),
    );
    expect(res.status).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED_BODY);
  });

  it('answers 403 when the token belongs to another user', async () => {
    const res = await server.post(
      '/update-score',
      { user_id: 'dave', action_id: 's-5', new_score: 5 },
      auth(tokenFor('mallory')),
    );
    expect(res.status).toBe(403);
    expect(res.body).toBe(errorBody('This token may only update the score of its own user'));
    expect(scoreOf('dave')).toBeUndefined();
    expect(
      server.query('select kind, subject, user_id from security_events where kind = ?', 'forbidden'),
    ).toEqual([{ kind: 'forbidden', subject: 'mallory', user_id: 'dave' }]);
  });

  it('answers 409 when an action_id is reused with another payload', async () => {
    const token = auth(tokenFor('erin'));
    await server.post('/update-score', { user_id: 'erin', action_id: 's-6', new_score: 5 }, token);
    const res = await server.post(
      '/update-score',
      { user_id: 'erin', action_id: 's-6', new_score: 6 },
      token,
    );
    expect(res.status).toBe(409);
    expect(res.body).toBe(errorBody('action_id "s-6" was already used with a different payload'));
    expect(scoreOf('erin')).toBe(5);
    expect(
      server.query("select kind, subject, user_id, ip, reason from security_events where kind = 'conflict'"),
    ).toEqual([
      {
        kind: 'conflict',
        subject: 'erin',
        user_id: 'erin',
        ip: '127.0.0.1',
        reason: 'action_id "s-6" was already used with a different payload',
      },
    ]);
  });

  it('answers 413 for a body over 16 KiB', async () => {
    const body = JSON.stringify({
      user_id: 'frank',
      action_id: 's-7',
      new_score: 1,
      pad: 'x'.repeat(17_000),
    });
    const res = await server.post('/update-score', body, auth(tokenFor('frank')));
    expect(res.status).toBe(413);
    expect(res.body).toBe(errorBody('Request body is larger than 16 KiB'));
    expect(scoreOf('frank')).toBeUndefined();
    expect(
      server.query("select kind, subject, reason from security_events where kind = 'payload_too_large'"),
    ).toEqual([
      { kind: 'payload_too_large', subject: 'frank', reason: 'Request body is larger than 16 KiB' },
    ]);
  });

  it('answers 413 for a chunked body (no Content-Length) that grows past 16 KiB', async () => {
    const { request } = await import('node:http');
    const { port } = new URL(server.url);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/update-score', headers: auth(tokenFor('fred')) },
        (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      // Streamed in 1 KiB chunks: the limit is enforced while reading, not from a header.
      req.write('{"user_id":"fred","action_id":"s-7c","new_score":1,"pad":"');
      for (let i = 0; i < 20; i++) req.write('x'.repeat(1024));
      req.end('"}');
    });
    expect(res).toEqual({ status: 413, body: errorBody('Request body is larger than 16 KiB') });
    expect(scoreOf('fred')).toBeUndefined();
  });

  it('answers 422 when a score rule refuses the update', async () => {
    const res = await server.post(
      '/update-score',
      { user_id: 'gina', action_id: 's-8', new_score: 1001 },
      auth(tokenFor('gina')),
    );
    expect(res.status).toBe(422);
    expect(res.body).toBe(
      errorBody('new_score 1001 raises the score by 1001; one update may raise it by at most 1000'),
    );
    expect(scoreOf('gina')).toBeUndefined();
    expect(
      server.query('select kind, subject, user_id, reason from security_events where user_id = ?', 'gina'),
    ).toEqual([
      {
        kind: 'score_rule',
        subject: 'gina',
        user_id: 'gina',
        reason: 'new_score 1001 raises the score by 1001; one update may raise it by at most 1000',
      },
    ]);
  });

  it('accepts the Bearer scheme in any case', async () => {
    const res = await server.post(
      '/update-score',
      { user_id: 'judy', action_id: 's-10', new_score: 3 },
      { authorization: `bEARER ${tokenFor('judy')}` },
    );
    expect([res.status, res.body]).toEqual([200, SUCCESS_BODY]);
    expect(scoreOf('judy')).toBe(3);
  });

  it('answers 404 and 405 for unknown routes and methods', async () => {
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(errorBody('Not found'));
    const wrong = await fetch(`${server.url}/update-score`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('lets a service token update any user', async () => {
    const res = await server.post(
      '/update-score',
      { user_id: 'henry', action_id: 's-9', new_score: 7 },
      auth(serviceToken()),
    );
    expect(res.status).toBe(200);
    expect(server.query('select user_id, subject from score_ledger where action_id = ?', 's-9')).toEqual([
      { user_id: 'henry', subject: 'game-server' },
    ]);
  });
});

describe('POST /update-score when storage fails', () => {
  it('answers 503 and applies nothing when the database cannot commit', async () => {
    const broken = await startTestServer();
    try {
      await broken.app.services.storage.close();
      const res = await broken.post(
        '/update-score',
        { user_id: 'ivy', action_id: 'x-1', new_score: 1 },
        { authorization: `Bearer ${tokenFor('ivy')}` },
      );
      expect(res.status).toBe(503);
      expect(res.body).toBe(errorBody('Storage is unavailable; the score was not updated'));
      expect(broken.query('select * from scores')).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});
