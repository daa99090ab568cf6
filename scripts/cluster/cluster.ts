// `npm run cluster -- --instances 2 --port 8080`: N instances on PostgreSQL + Redis behind
// nginx on this machine, to try the scale-out in a minute (docs/scale-out.md). It waits until
// SIGINT (Ctrl-C) or SIGTERM, then drains the instances, stops nginx and removes what it made:
// the schema, the Redis keys, its folders, and the PostgreSQL or Redis it started itself.
// Everything it starts runs in a process group of its own, so that a Ctrl-C reaches this
// process only, and things stop in order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdUntilReleased, releaseLeftovers } from '../local/cleanup-registry.js';
import { startLocalNginx, type LocalNginx } from '../local/local-nginx.js';
import { listenError } from '../local/ports.js';
import { startServerProcess, type ServerProcess } from '../local/server-process.js';
import { clusterBackends } from './cluster-backends.js';
import { instanceSettings } from './instance-settings.js';
import { ClusterUsageError, parseClusterOptions, USAGE, type ClusterOptions } from './cluster-options.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
/** How long an instance may take to start on a loaded machine (tsx compiles the server first). */
const INSTANCE_START_TIMEOUT_MS = 90_000;
/** How long an instance may take to drain before it is killed. */
const INSTANCE_STOP_TIMEOUT_MS = 30_000;

/** The first SIGINT or SIGTERM. Later ones change nothing (npm passes a Ctrl-C on as well). */
let stopSignal: NodeJS.Signals | undefined;
const stopAsked = new Promise<NodeJS.Signals>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      stopSignal ??= signal;
      resolve(signal);
    });
});

/** Ends a start that a signal interrupted; what was started is released. */
function unlessStopAsked(): void {
  if (stopSignal) throw new Error(`stopped by ${stopSignal} while starting`);
}

/** Something of the cluster that ended without being asked to, and what it said. */
interface Failure {
  readonly why: string;
  readonly said: readonly string[];
}

interface Cluster {
  readonly instances: ServerProcess[];
  readonly nginx: LocalNginx;
  /** Resolves with what happened when an instance or nginx ends without being asked to. */
  readonly failed: Promise<Failure>;
}

/**
 * Throws, in one line, when nginx could not listen on `--port` of `--host`: checked before
 * anything starts (a readiness check would otherwise reach whatever holds the port).
 */
async function checkListen({ host, port }: ClusterOptions): Promise<void> {
  const error = await listenError(host, port);
  if (error === undefined) return;
  if (error.code === 'EADDRINUSE')
    throw new Error(`port ${port} on ${host} is already in use (choose another with --port)`);
  if (error.code === 'EACCES')
    throw new Error(`no permission to listen on port ${port} on ${host} (choose one above 1023 with --port)`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    throw new Error(`cannot listen on ${host}: no such address on this machine (choose another with --host)`);
  throw new Error(`cannot listen on port ${port} on ${host}: ${error.message}`);
}

async function startCluster(options: ClusterOptions): Promise<Cluster> {
  await checkListen(options);
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-cluster-'));
  holdUntilReleased(() => {
    rmSync(dir, { recursive: true, force: true });
    say(`  folder ${dir} removed`);
  });
  const backends = await clusterBackends(options, say);
  unlessStopAsked();
  const settings = instanceSettings(backends, dir);
  // Every start settles before a failure is reported: an instance still starting when another
  // failed registers for release once it listens, so the release that follows stops it too.
  const started = await Promise.allSettled(
    Array.from({ length: options.instances }, (_, i) =>
      startServerProcess({
        env: settings.env,
        startupTimeoutMs: INSTANCE_START_TIMEOUT_MS,
        ownProcessGroup: true,
        // Warnings and errors for people; the rest of the log is not theirs to read here.
        onLine: (line) => {
          if (/"level":(4|5|6)\d/.test(line)) say(`instance ${i + 1} | ${line}`);
        },
      }),
    ),
  );
  const failure = started.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  const instances = started.map((outcome) => (outcome as PromiseFulfilledResult<ServerProcess>).value);
  unlessStopAsked();
  const nginx = await startLocalNginx({
    upstreamPorts: instances.map((instance) => instance.port),
    host: options.host,
    port: options.port,
    ownProcessGroup: true,
  });
  unlessStopAsked();
  const failed = new Promise<Failure>((resolve) => {
    instances.forEach((instance, i) =>
      instance.child.once('exit', (code, signal) => {
        if (!stopSignal)
          resolve({ why: `instance ${i + 1} ended on its own (${signal ?? `exit code ${code}`})`, said: [] });
      }),
    );
    void nginx.ended.then(({ how, errors }) => {
      if (!stopSignal)
        resolve({ why: `nginx ended on its own (${how})`, said: errors.map((line) => `nginx | ${line}`) });
    });
  });

  say(`Scoreboard cluster: ${instances.length} instance${instances.length === 1 ? '' : 's'} behind nginx`);
  for (const line of backends.description) say(`  ${line}`);
  instances.forEach((instance, i) => say(`  instance ${i + 1}  ${instance.url}`));
  say(`  nginx       ${nginx.url}  (configuration ${nginx.configFile})`);
  say(`  folder      ${dir}`);
  say(`Mint a token:  ${settings.tokenCommand}`);
  say(`Scoreboard cluster is ready at ${nginx.url} (Ctrl-C stops everything it started)`);
  return { instances, nginx, failed };
}

/** Releases what is left (newest first); says what could not be, and whether all went. */
async function releaseTheRest(): Promise<boolean> {
  try {
    await releaseLeftovers();
    return true;
  } catch (error) {
    const failures = error instanceof AggregateError ? error.errors : [error];
    for (const failure of failures) process.stderr.write(`Could not stop or remove: ${String(failure)}\n`);
    return false;
  }
}

/** Drains the instances, then stops nginx, then releases the rest; resolves with the exit code. */
async function stopCluster(cluster: Cluster, why: string): Promise<number> {
  say(`${why}: stopping the cluster`);
  const codes = await Promise.all(
    cluster.instances.map(async (instance, i) => {
      const timer = setTimeout(() => void instance.kill9(), INSTANCE_STOP_TIMEOUT_MS);
      const code = await instance.stop('SIGTERM');
      clearTimeout(timer);
      say(`  instance ${i + 1} ${code === 0 ? 'drained and stopped' : `stopped with exit code ${code}`}`);
      return code;
    }),
  );
  await cluster.nginx.stop();
  say('  nginx stopped');
  if (!(await releaseTheRest())) return 1;
  say('Scoreboard cluster stopped.');
  return codes.every((code) => code === 0) ? 0 : 1;
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseClusterOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ClusterUsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    say(USAGE);
    return 0;
  }
  let cluster: Cluster;
  try {
    cluster = await startCluster(options);
  } catch (error) {
    process.stderr.write(
      `Scoreboard cluster could not start: ${(error as Error).message ?? String(error)}\n`,
    );
    await releaseTheRest();
    return 1;
  }
  const outcome = await Promise.race([
    stopAsked.then((signal) => ({ why: signal, code: 0 })),
    cluster.failed.then(({ why, said }) => {
      for (const line of said) say(line);
      return { why, code: 1 };
    }),
  ]);
  stopSignal ??= 'SIGTERM'; // from here on, an instance that ends was asked to
  const code = await stopCluster(cluster, outcome.why);
  return Math.max(code, outcome.code);
}

process.exit(await main());
