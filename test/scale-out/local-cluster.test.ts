import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { countKeys, dropKeys } from '../../bench/redis.js';
import { freePort } from '../../scripts/local/ports.js';
import { runStatement } from '../../scripts/local/postgres-schema.js';
import { REPO_ROOT } from '../../scripts/local/server-process.js';
import { SUCCESS_BODY } from '../helpers/bodies.js';
import { RawSubscriber } from '../helpers/raw-ws.js';
import { processesBelow, running, runInShell } from '../helpers/processes.js';
import { PG_URL, REDIS_URL } from '../helpers/shared-services.js';
import { until } from '../helpers/until.js';

// `npm run cluster`, run as docs/scale-out.md tells a newcomer to, against this machine's
// PostgreSQL and Redis (DATABASE_URL and REDIS_URL, as the page says), stopped with a Ctrl-C.

/** Generous: the cluster compiles and starts two servers and nginx on a loaded machine. */
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 120_000;
/** How long a change may take to reach a subscriber of another instance. */
const PUSH_TIMEOUT_MS = 20_000;

/** The command of the first `sh` block under "## Try it on one machine" in docs/scale-out.md. */
function documentedCommand(): string[] {
  const page = readFileSync(join(REPO_ROOT, 'docs/scale-out.md'), 'utf8');
  const section = page.split(/^## /m).find((part) => part.startsWith('Try it on one machine\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section ?? '')?.[1];
  const line = block?.split('\n').find((text) => text.trim() !== '' && !text.startsWith('#'));
  if (line === undefined)
    throw new Error('docs/scale-out.md has no command under "## Try it on one machine"');
  return line.trim().split(/\s+/);
}

/** What the test started and what the cluster said it made, for the clean-up of a failed test. */
let npm: ChildProcess | undefined;
let started: number[] = [];
let made: { schema?: string; redisPrefix?: string; folders: string[] } = { folders: [] };
afterEach(async () => {
  if (npm?.pid !== undefined && npm.exitCode === null && npm.signalCode === null)
    process.kill(-npm.pid, 'SIGKILL');
  for (const pid of started) if (running(pid)) process.kill(pid, 'SIGKILL');
  if (made.schema) await runStatement(PG_URL, `DROP SCHEMA IF EXISTS ${made.schema} CASCADE`);
  if (made.redisPrefix) await dropKeys(REDIS_URL, made.redisPrefix);
  for (const folder of made.folders) rmSync(folder, { recursive: true, force: true });
  npm = undefined;
  started = [];
  made = { folders: [] };
});

/** An update through nginx; resolves with the status and body. */
async function update(url: string, token: string, action: string, score: number) {
  const res = await fetch(`${url}/update-score`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ user_id: 'alice', action_id: action, new_score: score }),
  });
  return { status: res.status, body: await res.text() };
}

/** Updates this instance applied, from its /metrics. */
async function applied(instanceUrl: string): Promise<number> {
  const metrics = await (await fetch(`${instanceUrl}/metrics`)).text();
  return Number(/scoreboard_updates_total\{outcome="applied"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

describe('npm run cluster, as docs/scale-out.md tells it', () => {
  it('starts two instances behind nginx that serve as one, and a Ctrl-C stops and removes everything it started', async () => {
    const command = documentedCommand();
    expect(command.slice(0, 4)).toEqual(['npm', 'run', 'cluster', '--']);
    const portAt = command.indexOf('--port') + 1;
    expect(portAt).toBeGreaterThan(0);
    const port = await freePort();
    command[portAt] = String(port);

    // Its own process group, as a terminal runs a command: the Ctrl-C below reaches all of it.
    const child = spawn(command[0]!, command.slice(1), {
      cwd: REPO_ROOT,
      // The system's temporary folder, as a newcomer's (the run's own would collect tsx's cache).
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: PG_URL, REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    npm = child;
    const lines: string[] = [];
    let stderr = '';
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const output = () => `stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`;
    const said = (pattern: RegExp) => lines.map((line) => pattern.exec(line)).find((match) => match !== null);

    const nginxUrl = `http://127.0.0.1:${port}`;
    await until(
      () => {
        if (child.exitCode !== null)
          throw new Error(`npm run cluster exited (${child.exitCode}); ${output()}`);
        return said(/^Scoreboard cluster is ready at (\S+)/) !== undefined;
      },
      () => `the cluster's readiness line; ${output()}`,
      READY_TIMEOUT_MS,
    );
    expect(said(/^Scoreboard cluster is ready at (\S+)/)?.[1]).toBe(nginxUrl);
    made.schema = said(/^ {2}PostgreSQL .*, schema (scoreboard_cluster_[0-9a-f]+)$/)?.[1];
    made.redisPrefix = said(/^ {2}Redis .*, keys (scoreboard-cluster:[0-9a-f]+:)\*$/)?.[1];
    const folder = said(/^ {2}folder +(\/\S+)$/)?.[1];
    const nginxConfig = said(/^ {2}nginx +\S+ +\(configuration (\/\S+\/nginx\.conf)\)$/)?.[1];
    expect({ schema: made.schema, redisPrefix: made.redisPrefix, folder, nginxConfig }).toEqual({
      schema: expect.any(String),
      redisPrefix: expect.any(String),
      folder: expect.any(String),
      nginxConfig: expect.any(String),
    });
    const nginxFolder = dirname(nginxConfig!);
    made.folders = [folder!, nginxFolder];
    const instanceUrls = lines.flatMap((line) => /^ {2}instance \d +(http\S+)$/.exec(line)?.[1] ?? []);
    expect(instanceUrls).toHaveLength(2);
    expect([existsSync(folder!), existsSync(nginxFolder)]).toEqual([true, true]);
    started = processesBelow(child.pid!).map((p) => p.pid);
    const servers = processesBelow(child.pid!).filter((p) => /node .*server\/main\.ts/.test(p.args));
    expect(servers).toHaveLength(2);

    // The token command it prints, run as printed.
    const mint = said(/^Mint a token: {2}(.+)$/)?.[1];
    expect(mint).toMatch(/npm run token -- alice$/);
    const token = runInShell(mint!);

    // One subscriber on each instance, and a browser's through nginx (its page's own origin).
    const subscribers = await Promise.all([
      ...instanceUrls.map((url) => RawSubscriber.open(url)),
      RawSubscriber.open(nginxUrl, {}, { headers: { origin: nginxUrl } }),
    ]);
    try {
      for (const s of subscribers) await s.until((self) => self.snapshots.length > 0, PUSH_TIMEOUT_MS);
      // nginx takes turns: each instance applies some, and every subscriber sees them all.
      for (let i = 1; i <= 4; i++)
        expect(await update(nginxUrl, token, `a-${i}`, 100 * i)).toEqual({ status: 200, body: SUCCESS_BODY });
      for (const url of instanceUrls) expect(await applied(url)).toBeGreaterThan(0);
      const board = [{ rank: 1, user_id: 'alice', score: 400 }];
      for (const s of subscribers)
        await s.until((self) => self.latest?.entries[0]?.score === 400, PUSH_TIMEOUT_MS);
      for (const s of subscribers) expect(s.latest!.entries).toEqual(board);
      for (const url of [nginxUrl, nginxUrl, ...instanceUrls])
        expect(await (await fetch(`${url}/leaderboard`)).text()).toBe(
          JSON.stringify({ window: GLOBAL_ALL_WINDOW, entries: board, next_cursor: null }),
        );
    } finally {
      for (const s of subscribers) s.close();
    }

    // Ctrl-C: the terminal signals the whole foreground group.
    process.kill(-child.pid!, 'SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not stopped; ${output()}`)), STOP_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(code, output()).toBe(0);
    // What it said about stopping, without the warnings of the instances it passes on.
    const stopping = lines.slice(lines.indexOf('SIGINT: stopping the cluster'));
    expect(stopping.filter((line) => !/^instance \d+ \| /.test(line))).toEqual([
      'SIGINT: stopping the cluster',
      expect.stringMatching(/^ {2}instance [12] drained and stopped$/),
      expect.stringMatching(/^ {2}instance [12] drained and stopped$/),
      '  nginx stopped',
      expect.stringMatching(new RegExp(`^  schema ${made.schema} dropped, \\d+ Redis keys`)),
      `  folder ${folder} removed`,
      'Scoreboard cluster stopped.',
    ]);
    await until(
      () => started.filter(running).length === 0,
      () => `${started.filter(running)} to end`,
      STOP_TIMEOUT_MS,
    );
    expect(
      await runStatement(PG_URL, 'SELECT nspname FROM pg_namespace WHERE nspname = $1', [made.schema]),
    ).toEqual([]);
    expect(await countKeys(REDIS_URL, made.redisPrefix!)).toBe(0);
    expect([existsSync(folder!), existsSync(nginxFolder)]).toEqual([false, false]);
  }, 420_000);
});

describe('npm run cluster on a port that another server holds', () => {
  it('says so in one line naming the port, exits 1, and starts and leaves nothing', async () => {
    // Another server on the port, answering every request (its /healthz too) with 200.
    const holder = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    // The cluster's temporary folders go here, so that what it leaves is seen.
    const temp = mkdtempSync(join(tmpdir(), 'scoreboard-cluster-busy-'));
    made.folders = [temp];
    try {
      const child = spawn('npm', ['run', '-s', 'cluster', '--', '--instances', '1', '--port', String(port)], {
        cwd: REPO_ROOT,
        // No compile cache: Node 22+ would keep one in TMPDIR, which is where leftovers are looked for.
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: PG_URL,
          REDIS_URL,
          TMPDIR: temp,
          NODE_DISABLE_COMPILE_CACHE: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      npm = child;
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) =>
        child.once('close', (status) => resolve(status)),
      );

      expect({ code, stdout, stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: `Scoreboard cluster could not start: port ${port} on 127.0.0.1 is already in use (choose another with --port)\n`,
      });
      // No folder of its own (tsx's cache aside), and nothing of its process group still running
      // (an ended process not yet reaped, a zombie, is not running).
      expect(readdirSync(temp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
      const group = execFileSync('ps', ['-A', '-o', 'pgid=,stat=,args='], { encoding: 'utf8' })
        .split('\n')
        .map((row) => row.trim().split(/\s+/))
        .filter(([pgid, stat]) => Number(pgid) === child.pid && !stat?.startsWith('Z'));
      expect(group).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 120_000);
});
