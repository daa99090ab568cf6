import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LatencyHistogram, round, sleep, type LatencySummary } from './stats.js';
import { FANOUT_BASE_SCORE, FANOUT_USERS, fanoutUpdate } from './workload.js';

/** Fan-out of `leaderboard.live` to many subscribers while updates flow at a fixed rate. */
export interface FanoutResult {
  subscribers: number;
  /** Seconds to open and subscribe all of them (until each had its first snapshot). */
  subscribeSeconds: number;
  targetRate: number;
  /** Seconds over which writes were released (the target is rate × this). */
  seconds: number;
  /** Writes due in that window that were never sent because the server fell behind. */
  notSent: number;
  updatesSent: number;
  /** Writes answered 200 (each adds one ledger row). */
  accepted: number;
  updateErrors: number;
  /** Failed writes by status (0: no response), with the first bodies seen. */
  updateErrorStatuses: Record<string, number>;
  updateErrorSamples: string[];
  /** Writes answered 200 per second, from the first send to the last 200. */
  achievedRate: number;
  /** POST /update-score latency of the paced writes. */
  postLatencyMs: LatencySummary;
  /** Arrival at a subscriber minus arrival of the write's 200 (the commit happened just before). */
  delayFromCommitMs: LatencySummary;
  /** Arrival at a subscriber minus the moment the write was sent (an upper bound). */
  delayFromSendMs: LatencySummary;
  /** Deliveries that arrived before the write's own 200 did (counted as 0 ms from commit). */
  arrivedBefore200: number;
  /** (write, subscriber) pairs expected and seen; missed = expected - delivered. */
  expectedDeliveries: number;
  delivered: number;
  missed: number;
  framesReceived: number;
  subscriberErrors: number;
  /** Subscribers whose socket closed before the end (a dropped slow consumer, for one). */
  subscribersClosedEarly: number;
  /** Event-loop delay of the benchmark process during the writes (its own share of the figures). */
  benchEventLoopDelayMs: { p50: number; p99: number; max: number };
  method: string;
}

const MAX_IN_FLIGHT = 64;

export const FANOUT_METHOD =
  'Writes are released evenly at the target rate (at most 64 in flight, one per user; writes ' +
  'the server cannot take in the window are not sent and are counted). Write i sets one of 1,000 ' +
  'dedicated users to the new global top score BASE + i, so every write changes the top 10 ' +
  'and a snapshot whose top score is at least BASE + i reflects the state after write i ' +
  '(exact while writes commit in the order sent). The commit time of a write is the moment ' +
  'its 200 response arrives at the benchmark (the server answers right after committing). ' +
  'For each subscriber, the first frame whose top score is at least BASE + i delivers write ' +
  'i; its delay is the frame arrival minus that 200 arrival (a frame that beats the 200 ' +
  'counts as 0 ms). Delay from send is the same against the moment the POST was sent, an ' +
  'upper bound. Subscribers and writer share the benchmark process; its event-loop delay ' +
  'is reported. The server coalesces frames (about one per 40 ms), so tens of ms are ' +
  'expected by design.';

interface Subscriber {
  ws: WebSocket;
  /** The highest write index seen in a frame (-1: none yet). */
  seen: number;
  gotFirst: boolean;
  closed: boolean;
}

interface Frame {
  id?: unknown;
  result?: { type?: string; data?: { data?: { entries?: Array<{ user_id: string; score: number }> } } };
}

export async function runFanout(options: {
  url: string;
  token: string;
  subscribers: number;
  batch: number;
  rate: number;
  seconds: number;
}): Promise<FanoutResult> {
  const runId = randomBytes(4).toString('hex');
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const sentAt = new Float64Array(total).fill(NaN);
  const committedAt = new Float64Array(total).fill(NaN);
  const deliveries = new Uint32Array(total);
  const fromCommit = new LatencyHistogram();
  const fromSend = new LatencyHistogram();
  const postLatency = new LatencyHistogram();
  const early: Array<[number, number]> = []; // [write, arrival] that beat the write's 200
  const counts = { frames: 0, subscriberErrors: 0, closedEarly: 0 };
  let writing = false;

  const onFrame = (sub: Subscriber, raw: WebSocket.RawData) => {
    const t = performance.now();
    const text = String(raw);
    if (text === 'PING') return sub.ws.send('PONG');
    const message = JSON.parse(text) as Frame;
    if (message.id !== 1 || message.result?.type !== 'data') return;
    counts.frames++;
    sub.gotFirst = true;
    let top = -1;
    for (const entry of message.result.data?.data?.entries ?? []) {
      if (entry.user_id.startsWith('fanout-')) top = Math.max(top, entry.score - FANOUT_BASE_SCORE);
    }
    const last = Math.min(top, total - 1);
    for (let i = sub.seen + 1; i <= last; i++) {
      deliveries[i]!++;
      fromSend.record(t - sentAt[i]!);
      const committed = committedAt[i]!;
      if (Number.isNaN(committed)) early.push([i, t]);
      else fromCommit.record(t - committed);
    }
    if (last > sub.seen) sub.seen = last;
  };

  // 1. Open the subscribers in batches; each must get its first snapshot.
  const wsUrl = `${options.url.replace(/^http/, 'ws')}/trpc`;
  const subs: Subscriber[] = [];
  const subscribeStart = performance.now();
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      const sub: Subscriber = { ws, seen: -1, gotFirst: false, closed: false };
      ws.once('open', () => {
        subs.push(sub);
        ws.send(
          JSON.stringify({ id: 1, method: 'subscription', params: { path: 'leaderboard.live', input: {} } }),
        );
        resolve();
      });
      ws.once('error', reject);
      ws.on('error', () => counts.subscriberErrors++);
      ws.on('close', () => {
        sub.closed = true;
        if (writing) counts.closedEarly++;
      });
      ws.on('message', (data) => onFrame(sub, data));
    });
  for (let opened = 0; opened < options.subscribers; opened += options.batch) {
    await Promise.all(Array.from({ length: Math.min(options.batch, options.subscribers - opened) }, open));
  }
  await waitFor(() => subs.every((s) => s.gotFirst), 30_000, 'every subscriber got its first snapshot');
  const subscribeSeconds = (performance.now() - subscribeStart) / 1000;

  // 2. Paced writes: at every tick, the writes due by now are released, spread evenly.
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  const writes = { accepted: 0, errors: 0, lastCommit: 0 };
  const errorStatuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  const backlog: number[] = [];
  const userBusy = new Uint8Array(FANOUT_USERS);
  let inFlight = 0;
  let sent = 0;
  // Sends the oldest due writes whose user has nothing in flight (a user's writes must land
  // in order: a stalled write overtaken by the same user's next one would be refused).
  const pump = () => {
    for (let j = 0; j < backlog.length && inFlight < MAX_IN_FLIGHT;) {
      const i = backlog[j]!;
      if (userBusy[i % FANOUT_USERS]) j++;
      else {
        backlog.splice(j, 1);
        send(i);
      }
    }
  };
  const send = (i: number) => {
    userBusy[i % FANOUT_USERS] = 1;
    const payload = JSON.stringify(fanoutUpdate(runId, i));
    inFlight++;
    sent++;
    sentAt[i] = performance.now();
    const finish = (status: number, t: number, body: string) => {
      inFlight--;
      if (status === 200) {
        writes.accepted++;
        writes.lastCommit = t;
        committedAt[i] = t;
        postLatency.record(t - sentAt[i]!);
      } else {
        writes.errors++;
        errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
        if (errorSamples.length < 5) errorSamples.push(`${status} ${body}`.slice(0, 300));
      }
      userBusy[i % FANOUT_USERS] = 0;
      pump();
    };
    const req = request(
      `${options.url}/update-score`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${options.token}`,
        },
      },
      (res) => {
        const t = performance.now();
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => finish(res.statusCode ?? 0, t, body));
      },
    );
    req.on('error', (error) => finish(0, performance.now(), String(error)));
    req.end(payload);
  };

  // Open the writer's keep-alive connections before the clock starts.
  await Promise.all(
    Array.from(
      { length: MAX_IN_FLIGHT },
      () =>
        new Promise<void>((resolve) => {
          request(`${options.url}/healthz`, { agent }, (res) => res.resume().on('end', resolve))
            .on('error', () => resolve())
            .end();
        }),
    ),
  );

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  writing = true;
  const writeStart = performance.now();
  let released = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - writeStart) * options.rate) / 1000) + 1);
      while (released < due) backlog.push(released++);
      pump();
      if (released >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
  const writeSeconds = (performance.now() - writeStart) / 1000;
  // The window is over: what the server could not take in it is not sent at all.
  const notSent = backlog.splice(0).length;
  await waitFor(() => inFlight === 0, 60_000, 'every paced write answered');
  loopDelay.disable();
  const commitSeconds = (writes.lastCommit - writeStart) / 1000;

  // 3. Let the last frames arrive: every live subscriber sees the last accepted write.
  let lastAccepted = -1;
  for (let i = total - 1; i >= 0; i--) {
    if (!Number.isNaN(committedAt[i]!)) {
      lastAccepted = i;
      break;
    }
  }
  await waitFor(
    () => subs.every((s) => s.closed || s.seen >= lastAccepted),
    10_000,
    'every subscriber saw the final state',
  ).catch(() => undefined);
  writing = false;
  for (const sub of subs) sub.ws.terminate();
  agent.destroy();

  for (const [i, t] of early) {
    const committed = committedAt[i]!;
    fromCommit.record(Number.isNaN(committed) ? 0 : Math.max(0, t - committed));
  }
  let delivered = 0;
  for (let i = 0; i < total; i++) if (!Number.isNaN(committedAt[i]!)) delivered += deliveries[i]!;
  const expected = writes.accepted * options.subscribers;
  const nsToMs = (ns: number) => round(ns / 1e6);
  return {
    subscribers: options.subscribers,
    subscribeSeconds: round(subscribeSeconds),
    targetRate: options.rate,
    seconds: round(writeSeconds),
    notSent,
    updatesSent: sent,
    accepted: writes.accepted,
    updateErrors: writes.errors,
    updateErrorStatuses: errorStatuses,
    updateErrorSamples: errorSamples,
    achievedRate: round(commitSeconds > 0 ? writes.accepted / commitSeconds : 0),
    postLatencyMs: postLatency.summary(),
    delayFromCommitMs: fromCommit.summary(),
    delayFromSendMs: fromSend.summary(),
    arrivedBefore200: early.length,
    expectedDeliveries: expected,
    delivered,
    missed: Math.max(0, expected - delivered),
    framesReceived: counts.frames,
    subscriberErrors: counts.subscriberErrors,
    subscribersClosedEarly: counts.closedEarly,
    benchEventLoopDelayMs: {
      p50: nsToMs(loopDelay.percentile(50)),
      p99: nsToMs(loopDelay.percentile(99)),
      max: nsToMs(loopDelay.max),
    },
    method: FANOUT_METHOD,
  };
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}
