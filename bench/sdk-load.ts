import WebSocket from 'ws';
import { createScoreboardClient } from '../client-sdk/src/index.js';
import { LatencyHistogram, round, type LatencySummary } from './stats.js';
import type { Workload } from './workload.js';

/** `scores.update` through the client SDK, N callers in a loop. */
export interface SdkLoadResult {
  /** How the SDK sent the calls: tRPC over HTTP, or over its WebSocket (`calls: 'websocket'`). */
  transport: 'http' | 'websocket';
  seconds: number;
  concurrency: number;
  calls: number;
  callsPerSec: number;
  latencyMs: LatencySummary;
  /** Calls that answered `applied: true`. */
  accepted: number;
  /** Calls that answered `applied: false` (an idempotent replay; should not happen here). */
  notApplied: number;
  errors: number;
  firstErrors: string[];
}

export async function runSdkLoad(options: {
  url: string;
  token: string;
  workload: Workload;
  seconds: number;
  concurrency: number;
  transport: 'http' | 'websocket';
}): Promise<SdkLoadResult> {
  const client = createScoreboardClient({
    url: options.url,
    getToken: () => options.token,
    WebSocket,
    calls: options.transport,
  });
  const latency = new LatencyHistogram();
  const result = { accepted: 0, notApplied: 0, errors: 0, firstErrors: [] as string[] };
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const caller = async () => {
    while (performance.now() < deadline) {
      const body = options.workload.next();
      const t0 = performance.now();
      try {
        const answer = await client.scores.update.mutate(body);
        latency.record(performance.now() - t0);
        if (answer.applied) result.accepted++;
        else result.notApplied++;
      } catch (error) {
        result.errors++;
        if (result.firstErrors.length < 5) result.firstErrors.push(String(error));
      } finally {
        options.workload.done(body);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const elapsed = (performance.now() - started) / 1000;
  await client.close();

  const calls = latency.size + result.errors;
  return {
    transport: options.transport,
    seconds: round(elapsed),
    concurrency: options.concurrency,
    calls,
    callsPerSec: round(latency.size / elapsed),
    latencyMs: latency.summary(),
    ...result,
  };
}
