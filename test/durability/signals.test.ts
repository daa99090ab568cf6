import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SUCCESS_BODY } from '../helpers/bodies.js';
import { killChildServers, REPO_ROOT, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { inFlightUpdate } from '../helpers/in-flight-update.js';
import { processesBelow, running } from '../helpers/processes.js';

/** Generous: a loaded machine takes seconds to shut a server down. */
const STOP_TIMEOUT_MS = 20_000;

let dir: string | undefined;
let buildDir: string;
/** Server processes the test found below the one it started: a failed test may orphan them. */
const found: number[] = [];
afterEach(async () => {
  await killChildServers();
  for (const pid of found.splice(0)) if (running(pid)) process.kill(pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The node processes running the server's sources anywhere below `pid` (children, theirs...). */
function serverProcessesBelow(pid: number): number[] {
  const servers = processesBelow(pid)
    .filter((row) => /^\S*node .*server\/main\.ts/.test(row.args))
    .map((row) => row.pid);
  found.push(...servers);
  return servers;
}

/** How a new connection to the port ends: 'connected', or its error code. */
function connecting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

/**
 * SIGTERM to the process the supervisor started, with an update in flight: the server stops
 * listening, answers and commits the update, and every server process ends.
 */
async function expectGracefulStop(server: ChildServer, serverProcesses: number[]): Promise<void> {
  const request = await inFlightUpdate(server.port, 'late', 'in-flight', 7);
  const exitCode = server.stop('SIGTERM');
  // Refused only once the node process itself has the signal: it closes its listener first.
  await expect.poll(() => connecting(server.port), { timeout: STOP_TIMEOUT_MS }).toBe('ECONNREFUSED');
  expect(await request.finish()).toEqual({ status: 'HTTP/1.1 200 OK', body: SUCCESS_BODY });
  expect(await exitCode).toBe(0);
  await expect.poll(() => serverProcesses.filter(running), { timeout: STOP_TIMEOUT_MS }).toEqual([]);
  const db = new BetterSqlite3(join(dir!, 'scoreboard.db'), { readonly: true });
  const rows = db.prepare('select user_id, action_id, new_score from score_ledger').all();
  db.close();
  expect(rows).toEqual([{ user_id: 'late', action_id: 'in-flight', new_score: 7 }]);
}

describe('stopping the server the way a supervisor does (SIGTERM to the process it started)', () => {
  // The bundle imports its packages from the checkout's node_modules, so it is built inside
  // the checkout, as dist/server.js is, into a folder of its own (dist/ is ignored by git).
  const DIST = join(REPO_ROOT, 'dist');
  let distCreated = false;
  beforeAll(() => {
    distCreated = !existsSync(DIST);
    mkdirSync(DIST, { recursive: true });
    buildDir = mkdtempSync(join(DIST, 'test-'));
    const built = spawnSync('npm', ['run', 'build', '--', '--outfile', join(buildDir, 'server.js')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
  });
  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    // Only if empty: another run in this checkout may be building beside this one.
    if (distCreated && readdirSync(DIST).length === 0) rmdirSync(DIST);
  });

  it('npm start: npm passes SIGTERM to the node process, which drains the update in flight and ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-signals-'));
    const server = await startChildServer(dir, {}, { command: ['npm', 'start'] });
    const serverProcesses = serverProcessesBelow(server.child.pid!);
    expect(serverProcesses).toHaveLength(1);
    await expectGracefulStop(server, serverProcesses);
  });

  it('node dist/server.js (npm run build): serves the page, the API docs and its version from the checkout, and drains on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-signals-'));
    const server = await startChildServer(
      dir,
      {},
      { command: [process.execPath, join(buildDir, 'server.js')] },
    );
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script src="\/app\.js\?v=[\w-]+" defer><\/script>/);
    expect((await fetch(`${server.url}/docs/swagger-ui.css`)).status).toBe(200);
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      info: { version: string };
    };
    expect(openapi.info.version).toBe(version);
    await expectGracefulStop(server, [server.child.pid!]);
  });
});
