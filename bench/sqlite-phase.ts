import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBoardsPhases } from './boards-phase.js';
import { sqliteSeedDatabase } from './boards-seed.js';
import { startScoreboard } from './child.js';
import { summarizeCpuProfile } from './cpu-profile.js';
import { emptyDepth, RssPeak, runDepthLoads, seedDatabase } from './depth-phase.js';
import { ledgerRows } from './ledger.js';
import { loadWithWarmup } from './load.js';
import { describeFailure, emptyOutcome, type ModeArgs, type ModeOutcome } from './outcome.js';
import { runServerPhases } from './server-phases.js';
import { round } from './stats.js';
import { runTypedPaths } from './typed-phase.js';

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * Scoreboard in production mode on a fresh SQLite database: every phase against one process,
 * then the many-boards phases on databases of their own (those alone with --only boards).
 */
export async function runSqliteMode(args: ModeArgs): Promise<ModeOutcome> {
  const { options, driver, cpu, token, workload } = args;
  const out = emptyOutcome();
  const workDir = mkdtempSync(join(options.dbDir, 'scoreboard-bench-'));
  const databaseUrl = join(workDir, 'scoreboard.db');
  const cpuProfDir = options.cpuProf ? mkdtempSync(join(tmpdir(), 'scoreboard-cpuprof-')) : undefined;
  try {
    if (options.only === 'all') await updatePhases();
    if (options.boards > 0 || options.pastRows > 0) {
      out.boards = await runBoardsPhases({
        ...args,
        workDir,
        exits: out.exits,
        storage: {
          env: {},
          create: async (name) => {
            const file = join(workDir, `${name}.db`);
            return { url: file, db: sqliteSeedDatabase(file) };
          },
        },
      });
    }
  } catch (error) {
    out.failure ??= describeFailure(error);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return out;

  /** Every phase but the many boards', against one server on `databaseUrl`. */
  async function updatePhases(): Promise<void> {
    const depth = options.depth ? emptyDepth(options.users) : null;
    if (depth) depth.seedSeconds = await seedDatabase(databaseUrl, options.users, args.secret);
    const starting = performance.now();
    const { server, rateLimitPerMin } = await startScoreboard({
      databaseUrl,
      secret: args.secret,
      cpuProfDir,
      dbSync: options.dbSync,
    });
    const rss = new RssPeak(server, () => cpu.current);
    if (depth) depth.startSeconds = round((performance.now() - starting) / 1000);
    out.rateLimitPerMin = rateLimitPerMin;
    out.ledger.before = ledgerRows(databaseUrl);
    try {
      if (depth) {
        out.depth = depth;
        await runDepthLoads({ server, rss, driver, cpu, token, options, into: depth });
      }
      const update = await loadWithWarmup({
        driver,
        cpu,
        name: server.name,
        url: server.url,
        token,
        workload,
        seconds: options.duration,
        warmup: options.warmup,
        connections: options.connections,
        settleInFlight: true,
        servers: [() => server.cpuSeconds()],
        metricsUrls: [server.url],
      });
      out.updateWarmup = update.warmup;
      out.updateScore = update.measured;
      out.typed = await runTypedPaths({ server, driver, cpu, token, workload, options });
      await runServerPhases({ server, token, workload, options, driver, cpu, into: out });
    } catch (error) {
      out.failure = describeFailure(error);
      progress(`run failed: ${out.failure}\n--- server output ---\n${server.output()}`);
    } finally {
      const { peak, phase } = rss.stop();
      if (depth) Object.assign(depth.rssMB, { peak, peakPhase: phase });
      const stopped = await server.stop();
      out.exits.push({ name: server.name, code: stopped.code, signal: stopped.signal });
    }
    out.ledger.after = ledgerRows(databaseUrl);
    out.profile = cpuProfDir ? (summarizeCpuProfile(cpuProfDir) ?? null) : null;
  }
}
