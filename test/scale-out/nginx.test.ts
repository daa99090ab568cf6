import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { killChildServers, REPO_ROOT } from '../helpers/child-server.js';
import { freshSchema, type TestSchema } from '../helpers/postgres.js';
import { freePort } from '../helpers/spare-services.js';
import { REDIS_URL } from '../helpers/test-server.js';
import { serviceToken } from '../helpers/tokens.js';
import { eventually, startCluster, type Cluster } from './cluster.js';

let schema: TestSchema | undefined;
let cluster: Cluster | undefined;
let nginx: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  nginx?.kill('SIGTERM');
  await cluster?.stop();
  await killChildServers();
  await schema?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs nginx with the repository's deploy/nginx/scoreboard.conf, pointed at `ports`. */
async function startNginx(ports: number[]): Promise<number> {
  dir = mkdtempSync(join(tmpdir(), 'scoreboard-nginx-'));
  const listen = await freePort();
  const site = readFileSync(join(REPO_ROOT, 'deploy/nginx/scoreboard.conf'), 'utf8')
    .replace('server 127.0.0.1:3001;', `server 127.0.0.1:${ports[0]};`)
    .replace('server 127.0.0.1:3002;', `server 127.0.0.1:${ports[1]};`)
    .replace('listen 8080;', `listen 127.0.0.1:${listen};`);
  expect(site).not.toMatch(/:300[12];|listen 8080/);
  writeFileSync(join(dir, 'scoreboard.conf'), site);
  for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/scoreboard.conf;
}
`,
  );
  nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${listen}/healthz`).catch(() => undefined))?.status === 200,
    10_000,
    'nginx answering',
  );
  return listen;
}

/** A POST from the client address 127.0.0.2, through nginx. */
function postFrom(port: number, body: unknown, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/update-score', localAddress: '127.0.0.2', headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('two instances behind nginx (deploy/nginx/scoreboard.conf)', () => {
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
  });
});
