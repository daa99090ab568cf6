import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildServers, runServerToExit, startChildServer } from '../helpers/child-server.js';

let dir: string | undefined;
afterEach(async () => {
  await killChildServers();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('one server process per SQLite file', () => {
  it('refuses to start a second server on a file that a running server holds, in one line, and starts once the first has stopped', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoreboard-lock-'));
    const file = join(dir, 'scoreboard.db');
    const first = await startChildServer(dir);

    const second = runServerToExit(dir);
    expect(second.stderr).toBe(
      `Scoreboard could not start: ${file} is in use by another process (a running server, ` +
        `or npm run seed): it holds ${file}-lock\n`,
    );
    expect(second.status).toBe(1);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    expect(await first.stop()).toBe(0);
    const third = await startChildServer(dir);
    expect((await fetch(`${third.url}/healthz`)).status).toBe(200);
  });
});
