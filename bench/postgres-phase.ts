import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalNginx, type LocalNginx } from '../scripts/local/local-nginx.js';
import { runBoardsPhases } from './boards-phase.js';
import { pgSeedDatabase } from './boards-seed-pg.js';
import { startScoreboard, type ChildServer } from './child.js';
import { processCpuSeconds, treeCpuProbe, type CpuProbe } from './cpu.js';
import { loadWithWarmup } from './load.js';
import {
  describeFailure,
  emptyOutcome,
  type ModeArgs,
  type ModeOutcome,
  type PostgresResults,
} from './outcome.js';
import { createBenchSchema, redactUrl, type BenchSchema } from './pg-schema.js';
import { PGBENCH_SCRIPT, runPgbench } from './pgbench.js';
import { countKeys, dropKeys, redisInfo } from './redis.js';
import { runServerPhases } from './server-phases.js';
import { round } from './stats.js';

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * PostgreSQL + Redis, in a fresh schema of `options.database` and a fresh Redis prefix, both
 * removed at the end:
 *  (a) one instance: the update load (warm-up, measured), then the SDK, fan-out and soak phases;
 *  (b) two instances behind nginx (deploy/nginx/scoreboard.conf.template): the update load through nginx;
 *  (c) pgbench: the same statements as one update, one transaction each, same clients and time;
 *  (d) the many-boards phases (boards-phase.ts), each server on a schema of its own.
 * Instances run one after another, never beside pgbench, so each has the machine to itself.
 * `--only boards` runs (d) alone.
 */
export async function runPostgresMode(args: ModeArgs): Promise<ModeOutcome> {
  const { options, driver, cpu, token, workload } = args;
  const database = options.database!;
  const out = emptyOutcome();
  const schema = await createBenchSchema(database);
  const prefix = `bench:${schema.name}:`;
  const pg: PostgresResults = {
    database: redactUrl(database),
    schema: schema.name,
    schemaDropped: false,
    settings: null,
    redis: { url: redactUrl(options.redis), prefix, version: null, keysLeft: null },
    nginx: { instances: 2, warmup: null, measured: null },
    pgbench: { script: PGBENCH_SCRIPT, warmup: null, measured: null, ledgerRows: null },
    ratioToPgbench: null,
    nginxRatioToPgbench: null,
    otherPhasesOn: 'one instance (a), PostgreSQL + Redis',
    boardsSchemas: [],
  };
  const boardsSchemas: BenchSchema[] = [];
  /** The board files of (d). */
  let workDir: string | undefined;
  out.postgres = pg;
  const running = new Set<ChildServer>();
  let nginx: LocalNginx | undefined;
  const start = async (name: string, env: Record<string, string> = {}) => {
    const started = await startScoreboard({
      databaseUrl: schema.url,
      secret: args.secret,
      name,
      env: { REDIS_URL: options.redis, REDIS_PREFIX: prefix, ...env },
    });
    running.add(started.server);
    out.rateLimitPerMin = started.rateLimitPerMin;
    return started.server;
  };
  const stop = async (server: ChildServer) => {
    running.delete(server);
    const stopped = await server.stop();
    out.exits.push({ name: server.name, code: stopped.code, signal: stopped.signal });
  };

  try {
    pg.settings = await schema.settings();
    const redis = await redisInfo(options.redis);
    pg.redis.version = redis.version;
    const others: Record<string, CpuProbe> = {};
    if (pg.settings.postmasterPid !== null) others.PostgreSQL = treeCpuProbe(pg.settings.postmasterPid);
    if (redis.pid !== null) others.Redis = () => processCpuSeconds(redis.pid!);

    if (options.only === 'all') await updatePhases(others);
    if (options.boards > 0 || options.pastRows > 0) {
      progress('many boards: each server on a schema of its own');
      workDir = mkdtempSync(join(tmpdir(), 'scoreboard-bench-boards-'));
      out.boards = await runBoardsPhases({
        ...args,
        workDir,
        exits: out.exits,
        storage: {
          env: { REDIS_URL: options.redis, REDIS_PREFIX: prefix },
          create: async () => {
            const created = await createBenchSchema(database);
            boardsSchemas.push(created);
            pg.boardsSchemas.push(created.name);
            return { url: created.url, db: pgSeedDatabase(created.url) };
          },
        },
      });
    }
  } catch (error) {
    out.failure = describeFailure(error);
    progress(`run failed: ${out.failure}`);
  } finally {
    await nginx?.stop();
    for (const server of [...running]) await stop(server);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }

  try {
    if (options.only === 'all') out.ledger.after = (await schema.ledger()).service;
  } catch (error) {
    out.failure ??= `could not count the ledger: ${describeFailure(error)}`;
  }
  let dropped = true;
  for (const s of [schema, ...boardsSchemas]) {
    await s.drop().catch((error: unknown) => progress(`could not drop ${s.name}: ${String(error)}`));
    dropped &&= !(await s.exists().catch(() => true));
  }
  pg.schemaDropped = dropped;
  await dropKeys(options.redis, prefix).catch(() => 0);
  pg.redis.keysLeft = await countKeys(options.redis, prefix).catch(() => null);

  const tps = pg.pgbench.measured?.tps;
  if (tps) {
    if (out.updateScore) pg.ratioToPgbench = round(out.updateScore.requestsPerSec / tps, 3);
    if (pg.nginx.measured) pg.nginxRatioToPgbench = round(pg.nginx.measured.requestsPerSec / tps, 3);
  }
  return out;

  /** (a), (b) and (c). */
  async function updatePhases(others: Record<string, CpuProbe>): Promise<void> {
    // (a) One instance.
    const one = await start('one instance');
    out.ledger.before = (await schema.ledger()).service;
    try {
      const update = await loadWithWarmup({
        driver,
        cpu,
        name: 'one instance (PostgreSQL + Redis)',
        url: one.url,
        token,
        workload,
        seconds: options.duration,
        warmup: options.warmup,
        connections: options.connections,
        settleInFlight: true,
        servers: [() => one.cpuSeconds()],
        others,
        metricsUrls: [one.url],
      });
      out.updateWarmup = update.warmup;
      out.updateScore = update.measured;
      await runServerPhases({ server: one, token, workload, options, driver, cpu, others, into: out });
    } catch (error) {
      progress(`one instance failed; its output:\n${one.output()}`);
      throw error;
    } finally {
      await stop(one);
    }

    // (b) Two instances behind nginx, which they trust for X-Forwarded-For.
    progress('two instances behind nginx: starting');
    const pair = await Promise.all(
      [1, 2].map((i) => start(`instance ${i} of 2`, { TRUST_PROXY: '127.0.0.1' })),
    );
    nginx = await startLocalNginx({ upstreamPorts: pair.map((server) => server.port) });
    const update = await loadWithWarmup({
      driver,
      cpu,
      name: 'two instances behind nginx',
      url: nginx.url,
      token,
      workload,
      seconds: options.duration,
      warmup: options.warmup,
      connections: options.connections,
      settleInFlight: true,
      servers: pair.map((server) => () => server.cpuSeconds()),
      others: { ...others, nginx: treeCpuProbe(nginx.pid) },
      metricsUrls: pair.map((server) => server.url),
    });
    pg.nginx.warmup = update.warmup;
    pg.nginx.measured = update.measured;
    await nginx.stop();
    nginx = undefined;
    for (const server of pair) await stop(server);

    // (c) pgbench, alone on the machine.
    const bench = (seconds: number) =>
      runPgbench({
        databaseUrl: database,
        schema: schema.name,
        users: options.users,
        clients: options.connections,
        jobs: options.pgbenchJobs,
        seconds,
        tag: randomBytes(3).toString('hex'),
      });
    if (options.warmup > 0) {
      progress(`pgbench: ${Math.max(1, Math.round(options.warmup))} s warm-up`);
      pg.pgbench.warmup = await bench(options.warmup);
    }
    progress(`pgbench: ${Math.max(1, Math.round(options.duration))} s at ${options.connections} clients`);
    pg.pgbench.measured = await cpu.measure('pgbench', { servers: [], loadGenerator: true, others }, () =>
      bench(options.duration),
    );
    pg.pgbench.ledgerRows = (await schema.ledger()).pgbench;
  }
}
