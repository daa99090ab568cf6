import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../bench/pg-schema.js';
import { parsePgbench } from '../../bench/pgbench.js';
import { parseWrkReport, wrkTimeMs } from '../../bench/wrk-load.js';
import { wrkScript } from '../../bench/wrk-script.js';

// What the benchmark reads from wrk and pgbench, on their real output (Debian's wrk 4.1.0,
// pgbench 15).
const WRK = `Running 1s test @ http://127.0.0.1:18123/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.48ms   18.10ms   1.02s    91.22%
    Req/Sec     5.13k     4.18k   18.74k    85.71%
  Latency Distribution
     50%  204.00us
     75%    1.65ms
     90%   16.29ms
     99%   88.90ms
  10709 requests in 1.10s, 1.48MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 17
Requests/sec:   9749.49
Transfer/sec:      1.35MB
`;

const PGBENCH = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: update.sql
scaling factor: 1
query mode: prepared
number of clients: 32
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 51423
number of failed transactions: 0 (0.000%)
latency average = 6.212 ms
initial connection time = 132.606 ms
tps = 5151.223882 (without initial connection time)
`;

describe('benchmark parsers', () => {
  it("reads wrk's report: requests/s, latency line and distribution, socket errors, non-2xx", () => {
    expect(parseWrkReport(WRK)).toEqual({
      requestsPerSec: 9749.49,
      requests: 10709,
      latencyMs: { mean: 6.48, p50: 0.204, p90: 16.29, p99: 88.9, max: 1020 },
      socketErrors: { connect: 0, read: 2, write: 1, timeout: 3 },
      non2xxOr3xx: 17,
    });
    expect([wrkTimeMs('2.00m'), wrkTimeMs('12.5us'), wrkTimeMs('-nan')]).toEqual([120_000, 0.0125, NaN]);
  });

  it("reads pgbench's summary", () => {
    expect(parsePgbench(PGBENCH)).toEqual({
      transactions: 51423,
      failed: 0,
      tps: 5151.22,
      latencyAverageMs: 6.21,
      initialConnectionMs: 132.61,
      aborted: false,
    });
    expect(parsePgbench(`${PGBENCH}Run was aborted; the above results are incomplete.\n`).aborted).toBe(true);
  });

  it('writes a wrk script that continues the scores and names its action_ids', () => {
    const script = wrkScript({
      token: 'a.b.c',
      users: 1000,
      threads: 2,
      base: 41,
      prefix: 'bench-x-w1',
      track: true,
      successBody: '{"status":"success"}',
    });
    expect(script).toContain('base = 41,');
    expect(script).toContain('success = "{\\"status\\":\\"success\\"}",');
    expect(script).toMatch(/function response\(status, hdrs, text\)/);
    expect(() => wrkScript({ ...baseConfig, token: 'ü' })).toThrow(/printable ASCII/);
  });

  it('redacts passwords in reports', () => {
    expect(redactUrl('postgres://bench:s3cret@db:5432/test')).toBe('postgres://bench:***@db:5432/test');
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
  });
});

const baseConfig = {
  token: 't',
  users: 10,
  threads: 1,
  base: 0,
  prefix: 'p',
  track: false,
  successBody: '{}',
};
