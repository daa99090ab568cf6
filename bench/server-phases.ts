import type { ChildServer } from './child.js';
import type { CpuMeter, CpuProbe } from './cpu.js';
import { runFanout, type FanoutResult } from './fanout.js';
import type { Driver } from './load.js';
import type { BenchOptions } from './options.js';
import { runSdkLoad, type SdkLoadResult } from './sdk-load.js';
import { runSoak, type SoakResult } from './soak.js';
import type { Workload } from './workload.js';

/** The phases after `POST /update-score` against one server: SDK, fan-out, soak. */
export interface ServerPhases {
  /** The SDK's default: calls over HTTP. */
  sdk: SdkLoadResult | null;
  /** The SDK with `calls: 'websocket'`: calls over its one WebSocket. */
  sdkWebSocket: SdkLoadResult | null;
  fanout: FanoutResult | null;
  soak: SoakResult | { unavailable: string } | null;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * Runs the phases the options ask for, filling `into` as each ends (so a failure keeps what
 * was measured before it). `others` adds processes to the CPU split (PostgreSQL, Redis).
 */
export async function runServerPhases(args: {
  server: ChildServer;
  token: string;
  workload: Workload;
  options: BenchOptions;
  driver: Driver;
  cpu: CpuMeter;
  others?: Record<string, CpuProbe>;
  into: ServerPhases;
}): Promise<void> {
  const { server, token, workload, options, cpu, into } = args;
  const parties = (loadGenerator: boolean) => ({
    servers: [() => server.cpuSeconds()],
    loadGenerator,
    others: args.others,
  });
  if (options.sdkSeconds > 0) {
    const sdk = (transport: 'http' | 'websocket') => {
      const phase = `client SDK over ${transport === 'http' ? 'HTTP' : 'WebSocket'}`;
      progress(`${phase}: scores.update, ${options.sdkConcurrency} callers for ${options.sdkSeconds} s`);
      return cpu.measure(phase, parties(false), () =>
        runSdkLoad({
          url: server.url,
          token,
          workload,
          seconds: options.sdkSeconds,
          concurrency: options.sdkConcurrency,
          transport,
        }),
      );
    };
    into.sdk = await sdk('http');
    into.sdkWebSocket = await sdk('websocket');
  }
  if (options.subscribers > 0 && options.fanoutSeconds > 0 && options.fanoutRate > 0) {
    progress(
      `fan-out: ${options.subscribers} subscribers, ${options.fanoutRate} updates/s for ${options.fanoutSeconds} s`,
    );
    into.fanout = await cpu.measure('fan-out', parties(false), () =>
      runFanout({
        url: server.url,
        token,
        subscribers: options.subscribers,
        batch: options.subscriberBatch,
        rate: options.fanoutRate,
        seconds: options.fanoutSeconds,
      }),
    );
  }
  if (options.soak > 0) {
    progress(`soak: ${options.soak} s at full load, sampling the server's RSS every second`);
    into.soak = await cpu.measure('soak', parties(args.driver.name === 'wrk'), () =>
      runSoak({
        driver: args.driver,
        server,
        token,
        workload,
        seconds: options.soak,
        warmupSeconds: options.soakWarmup,
        connections: options.connections,
      }),
    );
  }
}
