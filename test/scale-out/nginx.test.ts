import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalNginx, type LocalNginx } from '../../scripts/local/local-nginx.js';
import { killChildServers } from '../helpers/child-server.js';
import { errorBody } from '../helpers/bodies.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { serviceToken } from '../helpers/tokens.js';
import { eventually, startCluster, type Cluster } from './cluster.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let nginx: LocalNginx | undefined;
afterEach(async () => {
  await nginx?.stop();
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
});

/** nginx with the repository's deploy/nginx/scoreboard.conf.template (the benchmark's), pointed at `ports`. */
async function startNginx(ports: number[]): Promise<number> {
  nginx = await startLocalNginx({ upstreamPorts: ports });
  return Number(new URL(nginx.url).port);
}

/** A POST from the client address `from` (127.0.0.2 unless named), through nginx. */
function postFrom(
  port: number,
  body: unknown,
  headers: Record<string, string>,
  from = '127.0.0.2',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/update-score', localAddress: from, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('two instances behind nginx (deploy/nginx/scoreboard.conf.template)', () => {
  it('serves updates and the live WebSocket through nginx, and sees each client by X-Forwarded-For', async () => {
    schema = await freshSchema();
    cluster = await startCluster(2, {
      databaseUrl: schema.url,
      redisUrl: REDIS_URL,
      env: { TRUST_PROXY: '127.0.0.1' },
    });
    const port = await startNginx(cluster.instances.map((i) => i.port));

    const ws = new WebSocket(`ws://127.0.0.1:${port}/trpc`);
    const snapshots: Array<{ entries: Array<{ user_id: string }> }> = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.result?.type === 'data') snapshots.push(message.result.data.data);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(
      JSON.stringify({ id: 1, method: 'subscription', params: { path: 'leaderboard.live', input: {} } }),
    );

    const auth = { authorization: `Bearer ${serviceToken()}` };
    for (let i = 0; i < 10; i++) {
      expect(await postFrom(port, { user_id: `p${i}`, action_id: `n${i}`, new_score: 10 + i }, auth)).toBe(
        200,
      );
    }
    await eventually(
      async () => snapshots.at(-1)?.entries[0]?.user_id === 'p9',
      10_000,
      'the board through nginx',
    );
    ws.terminate();

    // Both instances served some of them (round robin).
    for (const instance of cluster.instances) {
      const metrics = await (await fetch(`${instance.url}/metrics`)).text();
      expect(
        Number(/scoreboard_updates_total\{outcome="applied"\} (\d+)/.exec(metrics)?.[1] ?? 0),
      ).toBeGreaterThan(0);
    }

    // A refusal is recorded under the client's address, not nginx's, and a forged header is ignored.
    expect(
      await postFrom(port, { user_id: 'x', action_id: 'x', new_score: 1 }, { 'x-forwarded-for': '6.6.6.6' }),
    ).toBe(401);
    await eventually(
      async () => (await cluster!.query('select ip from security_events')).length > 0,
      5000,
      'audit row',
    );
    expect(await cluster.query('select ip from security_events')).toEqual([{ ip: '127.0.0.2' }]);

    // A client connecting from a trusted address (a process on nginx's host) names nobody else:
    // nginx replaces the header with the address that connected.
    expect(
      await postFrom(
        port,
        { user_id: 'x', action_id: 'y', new_score: 1 },
        { 'x-forwarded-for': '6.6.6.6' },
        '127.0.0.1',
      ),
    ).toBe(401);
    await eventually(
      async () => (await cluster!.query('select ip from security_events')).length > 1,
      5000,
      'second audit row',
    );
    expect(await cluster.query('select ip from security_events order by ip')).toEqual([
      { ip: '127.0.0.1' },
      { ip: '127.0.0.2' },
    ]);
  });
});

describe('bodies over the limit, through nginx', () => {
  /** A POST /update-score of `bytes` bytes through nginx on `port`, with a service token. */
  function postBytes(port: number, bytes: number) {
    return new Promise<{ status: number; contentType: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/update-score',
            headers: { authorization: `Bearer ${serviceToken()}`, 'content-type': 'application/json' },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }),
            );
          },
        );
        req.on('error', reject);
        req.end(`{"user_id":"big","action_id":"big","new_score":1,"pad":"${'x'.repeat(bytes - 60)}"}`);
      },
    );
  }

  it('answers each one 413 in the API JSON shape, whether the server or nginx refuses it', async () => {
    schema = await freshSchema();
    cluster = await startCluster(1, { databaseUrl: schema.url, redisUrl: REDIS_URL });
    const port = await startNginx([cluster.instances[0]!.port]);
    const refused = {
      status: 413,
      contentType: 'application/json; charset=utf-8',
      body: errorBody('Request body is larger than 16 KiB'),
    };
    // 17,000 bytes: over the server's 16 KiB, under nginx's limit; then 20 KB and 1.1 MB, nginx's.
    for (const bytes of [17_000, 20_000, 1_100_000])
      expect({ bytes, ...(await postBytes(port, bytes)) }).toEqual({ bytes, ...refused });
  });
});

describe('nginx that cannot bind its port', () => {
  it('fails to start with its own reason, though another server on the port answers /healthz', async () => {
    const holder = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      await expect(startLocalNginx({ upstreamPorts: [port], port })).rejects.toThrow(
        `nginx did not start (exit code 1): [emerg] bind() to 127.0.0.1:${port} failed (98: Address already in use); [emerg] still could not bind()`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
