import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_ALL_WINDOW } from '../helpers/bodies.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { serviceToken, tokenFor } from '../helpers/tokens.js';
import type { CommandOutput } from '../../bench/run-command.js';
import { childEnv, mustRun, run } from './run-command.js';

// The SDK as a frontend gets it: `npm pack` (which builds it), installed from the tarball
// into a fresh project that has never seen the server source, type-checked and run there.

const SDK_DIR = fileURLToPath(new URL('../../client-sdk', import.meta.url));
// The same versions as the repository's own, so that npm finds them in its cache.
const CONSUMER_DEPENDENCIES = ['typescript@5.9.3', 'ws@8.23.0', '@types/ws@8.18.2', '@types/node@20.19.43'];

/** `tsc --init`'s defaults, except that libraries are checked too and the output is runnable. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'es2022',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: 'force',
    skipLibCheck: false,
    outDir: 'out',
    rootDir: '.',
  },
  files: ['main.ts', 'required.cts'],
};

/** Type-checks and, run with SCOREBOARD_URL and SCOREBOARD_TOKEN, talks to a server. */
const CONSUMER_MAIN = `
import WebSocket from 'ws';
import {
  createScoreboardClient,
  isScoreboardError,
  type ConnectionState,
  type LeaderboardSnapshot,
  type RouterOutputs,
  type UpdateScoreInput,
  type UpdateScoreResult,
  type UsersStanding,
  type WindowInfo,
  type WindowSelection,
} from '@scoreboard/client';

const url = process.env.SCOREBOARD_URL ?? 'http://127.0.0.1:3000';
const emit = (event: string, data: unknown) => console.log(JSON.stringify({ event, data }));

const states: ConnectionState[] = [];
const client = createScoreboardClient({
  url,
  WebSocket,
  getToken: () => process.env.SCOREBOARD_TOKEN,
  onConnectionStateChange: (state) => states.push(state),
});

const input: UpdateScoreInput = { user_id: 'alice', action_id: 'consumer-1', new_score: 42 };
const updated: UpdateScoreResult = await client.scores.update.mutate(input);
emit('mutate', updated);

const top: RouterOutputs['leaderboard']['top'] = await client.leaderboard.top.query({ limit: 5 });
const best: number | undefined = top.entries[0]?.score;
emit('top', { top, best });

const where: WindowSelection = { board: 'global', window: 'all', at: 'current' };
const friends: UsersStanding = await client.ofUsers(['bob', 'nobody', 'alice'], where);
const window: WindowInfo = friends.window;
emit('friends', { entries: friends.entries, kind: window.kind, nobody: await client.rankOf('nobody', where) });

try {
  await createScoreboardClient({ url, WebSocket }).scores.update.mutate(input);
} catch (error) {
  emit('refused', isScoreboardError(error) ? error.data?.code : String(error));
}

await new Promise<void>((resolve, reject) => {
  const snapshots: LeaderboardSnapshot[] = [];
  const stop = client.watchLeaderboard({ limit: 5 }, (snapshot) => {
    snapshots.push(snapshot);
    emit('snapshot', snapshot);
    if (snapshots.length === 2) {
      stop();
      resolve();
    }
  }, reject);
  setTimeout(() => reject(new Error('no update within 20 s')), 20_000).unref();
});
emit('states', states);
await client.close();
`;

/** A CommonJS consumer: require() (Node's require of ES modules), typed and run. */
const CONSUMER_REQUIRED = `import sdk = require('@scoreboard/client');
const input: sdk.UpdateScoreInput = { user_id: 'alice', action_id: 'cjs-1', new_score: 1 };
void import('@scoreboard/client').then((imported) => {
  console.log(typeof sdk.createScoreboardClient, Object.keys(input).length, sdk === imported);
});
`;

/** Wrong calls; each line is one expected error (line numbers are asserted below). */
const CONSUMER_WRONG = `import { createScoreboardClient } from '@scoreboard/client';
const client = createScoreboardClient({ url: 'http://127.0.0.1:3000' });
await client.scores.update.mutate({ user_id: 'alice', action_id: 'a1', new_score: '42' });
await client.scores.remove.mutate({ user_id: 'alice' });
await client.scores.update.mutate({ user_id: 'alice', new_score: 42 });
export const score: string = (await client.leaderboard.top.query()).entries[0]!.score;
client.watchLeaderboard({ limit: '5' }, () => {});
await client.rankOf('alice', { window: 'year' });
`;

/** A consumer that does not catch a refused call: Node prints the error and exits 1. */
const CONSUMER_UNCAUGHT = `import { createScoreboardClient } from '@scoreboard/client';
const client = createScoreboardClient({ url: process.env.SCOREBOARD_URL });
await client.scores.update.mutate({ user_id: 'alice', action_id: 'uncaught-1', new_score: 1 });
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

let work: string;
let consumer: string;
/** The two compilations of the consumer, started together once it is installed. */
let compiled: { main: Promise<CommandOutput>; wrong: Promise<CommandOutput> };
const tsc = (project: string) =>
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], consumer);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scoreboard-sdk-'));
  const packDir = join(work, 'pack');
  consumer = join(work, 'consumer');
  mkdirSync(packDir);
  mkdirSync(consumer);

  await mustRun('npm', ['pack', '--pack-destination', packDir], SDK_DIR);
  const tarballs = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toEqual(['scoreboard-client-0.1.0.tgz']);

  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }),
  );
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  writeFileSync(
    join(consumer, 'tsconfig.wrong.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['wrong.ts'] }),
  );
  writeFileSync(join(consumer, 'main.ts'), CONSUMER_MAIN);
  writeFileSync(join(consumer, 'required.cts'), CONSUMER_REQUIRED);
  writeFileSync(join(consumer, 'wrong.ts'), CONSUMER_WRONG);
  writeFileSync(join(consumer, 'uncaught.mjs'), CONSUMER_UNCAUGHT);
  await mustRun(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(packDir, tarballs[0]!),
      ...CONSUMER_DEPENDENCIES,
    ],
    consumer,
  );
  compiled = { main: tsc('tsconfig.json'), wrong: tsc('tsconfig.wrong.json') };
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed @scoreboard/client in a fresh project', () => {
  it('ships only the built files, and needs none of the server dependencies', () => {
    const installed = join(consumer, 'node_modules/@scoreboard/client');
    expect(filesUnder(installed)).toEqual([
      'LICENSE',
      'README.md',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/index.js.map',
      'package.json',
    ]);
    for (const serverOnly of ['pino', 'kysely', 'better-sqlite3', 'zod', 'jsonwebtoken', 'ioredis']) {
      expect(existsSync(join(consumer, 'node_modules', serverOnly)), serverOnly).toBe(false);
    }
    expect(existsSync(join(consumer, 'node_modules/@trpc/client'))).toBe(true);
  });

  it('type-checks and compiles a consumer with libraries checked too', async () => {
    const result = await compiled.main;
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(consumer, 'out/main.js'))).toBe(true);
    expect(existsSync(join(consumer, 'out/required.cjs'))).toBe(true);
  }, 120_000);

  it('refuses wrong calls with precise type errors', async () => {
    const result = await compiled.wrong;
    expect(result.code).not.toBe(0);
    const errors = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('wrong.ts('))
      .map((line) => line.replace(/^wrong\.ts\((\d+),\d+\): error (TS\d+): /, '$1 $2 '));
    expect(result.stdout.split('\n').filter((line) => / error TS/.test(line))).toHaveLength(errors.length);
    expect(errors).toHaveLength(6);
    expect(errors[0]).toBe("3 TS2322 Type 'string' is not assignable to type 'number'.");
    expect(errors[1]).toMatch(/^4 TS2339 Property 'remove' does not exist on type/);
    expect(errors[2]).toBe(
      "5 TS2345 Argument of type '{ user_id: string; new_score: number; }' is not assignable to " +
        "parameter of type '{ user_id: string; action_id: string; new_score: number; board?: string | undefined; }'.",
    );
    expect(errors[3]).toBe("6 TS2322 Type 'number' is not assignable to type 'string'.");
    expect(errors[4]).toBe("7 TS2322 Type 'string' is not assignable to type 'number'.");
    expect(errors[5]).toBe(
      `8 TS2322 Type '"year"' is not assignable to type '"all" | "day" | "month" | "week" | "season" | undefined'.`,
    );
  }, 120_000);

  it('loads with require() from CommonJS, the same module as import()', async () => {
    expect((await compiled.main).code, 'the consumer compiles').toBe(0);
    const loaded = await run(process.execPath, ['out/required.cjs'], consumer);
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe('function 3 true\n');
  });

  describe('against a live server', () => {
    let server: TestServer;
    afterAll(() => server?.close());

    it('mutates, queries, is refused without a token, and watches the leaderboard', async () => {
      expect((await compiled.main).code, 'the consumer compiles').toBe(0);
      server = await startTestServer();
      await server.post(
        '/update-score',
        { user_id: 'bob', action_id: 'b1', new_score: 30 },
        { authorization: `Bearer ${serviceToken()}` },
      );
      const child = spawn(process.execPath, ['out/main.js'], {
        cwd: consumer,
        env: childEnv({ SCOREBOARD_URL: server.url, SCOREBOARD_TOKEN: tokenFor('alice') }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));

      const events: Array<{ event: string; data: any }> = [];
      for await (const line of createInterface({ input: child.stdout })) {
        const message = JSON.parse(line) as { event: string; data: any };
        events.push(message);
        if (message.event === 'snapshot' && events.filter((e) => e.event === 'snapshot').length === 1) {
          // The consumer is subscribed: an update by plain HTTP must reach it.
          const res = await server.post(
            '/update-score',
            { user_id: 'carol', action_id: 'c1', new_score: 99 },
            { authorization: `Bearer ${serviceToken()}` },
          );
          expect(res.status).toBe(200);
        }
      }
      expect(await exited, stderr).toBe(0);

      const data = (name: string) => events.filter((e) => e.event === name).map((e) => e.data);
      expect(data('mutate')).toEqual([
        { user_id: 'alice', score: 42, previous_score: 0, rank: 1, applied: true },
      ]);
      expect(data('top')).toEqual([
        {
          top: {
            window: GLOBAL_ALL_WINDOW,
            entries: [
              { rank: 1, user_id: 'alice', score: 42 },
              { rank: 2, user_id: 'bob', score: 30 },
            ],
            next_cursor: null,
          },
          best: 42,
        },
      ]);
      expect(data('friends')).toEqual([
        {
          entries: [
            { rank: 1, user_id: 'alice', score: 42 },
            { rank: 2, user_id: 'bob', score: 30 },
          ],
          kind: 'all',
          nobody: null,
        },
      ]);
      expect(data('refused')).toEqual(['UNAUTHORIZED']);
      const snapshots = data('snapshot');
      expect(snapshots.map((s) => s.entries)).toEqual([
        [
          { rank: 1, user_id: 'alice', score: 42 },
          { rank: 2, user_id: 'bob', score: 30 },
        ],
        [
          { rank: 1, user_id: 'carol', score: 99 },
          { rank: 2, user_id: 'alice', score: 42 },
          { rank: 3, user_id: 'bob', score: 30 },
        ],
      ]);
      expect(snapshots[1].version).toBeGreaterThan(snapshots[0].version);
      expect(data('states')).toEqual([['connecting', 'live']]);
    }, 60_000);

    it('prints an uncaught refusal in a few lines, not the whole HTTP response', async () => {
      server ??= await startTestServer();
      const result = await run(
        process.execPath,
        ['uncaught.mjs'],
        consumer,
        childEnv({ SCOREBOARD_URL: server.url }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'TRPCClientError: Unauthorized access. Invalid or missing authentication token',
      );
      expect(result.stderr).toContain("code: 'UNAUTHORIZED', httpStatus: 401");
      expect(result.stderr).not.toContain('responseJSON');
      expect(result.stderr).not.toContain('Response {');
      // It was about a hundred lines: meta.response (the fetch Response), shape, cause.
      expect(result.stderr.trim().split('\n').length, result.stderr).toBeLessThan(15);
    });
  });
});
