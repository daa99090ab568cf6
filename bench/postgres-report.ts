import { errorCounts, ms, rate } from './format.js';
import type { PostgresResults } from './outcome.js';
import type { BenchResults, TargetRow } from './report.js';

/** (a) one instance against (c) pgbench, judged; (b) two instances behind nginx, reported. */
export function postgresRows(
  r: Omit<BenchResults, 'targets' | 'verification'>,
  pg: PostgresResults,
): TargetRow[] {
  const u = r.updateScore;
  const p = pg.pgbench.measured;
  const b = pg.nginx.measured;
  const ratio = pg.ratioToPgbench;
  const rows: TargetRow[] = [
    {
      metric: `pgbench, one update per transaction (${p?.clients ?? '?'} clients, -j ${p?.jobs ?? '?'}, prepared)`,
      value: p ? rate(p.tps, 'tps') : 'not measured',
      target: '',
      met: null,
    },
    {
      metric: 'pgbench latency p50 / p99',
      value: p ? `${ms(p.latencyMs.p50)} / ${ms(p.latencyMs.p99)}` : 'not measured',
      target: '',
      met: null,
    },
    {
      metric: '(a) one instance: POST /update-score throughput',
      value: rate(u.requestsPerSec),
      target: '',
      met: null,
    },
    {
      metric: '**(a) one instance vs pgbench**',
      value: ratio === null ? 'not measured' : `**${ratio.toFixed(3)}×**`,
      target: '≥ 0.6×',
      met: ratio === null ? false : ratio >= 0.6,
    },
    {
      metric: '(a) one instance vs bare node:http',
      value: `${r.throughputRatio.toFixed(3)}×`,
      target: '',
      met: null,
    },
    { metric: '(a) one instance latency p50', value: ms(u.latencyMs.p50), target: '', met: null },
    {
      metric: `(a) one instance latency p99 (${u.connections} connections)`,
      value: ms(u.latencyMs.p99),
      target: u.connections >= 32 ? '≤ 25 ms' : '≤ 25 ms at 32 connections (not judged)',
      met: u.connections >= 32 ? u.latencyMs.p99 <= 25 : null,
    },
    {
      metric: '(a) one instance non-2xx / errors / timeouts / body mismatches',
      ...errorCounts(u),
      target: '0',
    },
  ];
  if (b) {
    rows.push(
      {
        metric: '(b) two instances behind nginx: throughput',
        value: `${rate(b.requestsPerSec)}${pg.nginxRatioToPgbench === null ? '' : ` (${pg.nginxRatioToPgbench.toFixed(3)}× pgbench)`}`,
        target: '',
        met: null,
      },
      {
        metric: '(b) two instances behind nginx: latency p50 / p99',
        value: `${ms(b.latencyMs.p50)} / ${ms(b.latencyMs.p99)}`,
        target: '',
        met: null,
      },
      {
        metric: '(b) two instances behind nginx: non-2xx / errors / timeouts / body mismatches',
        ...errorCounts(b),
        target: '0',
      },
    );
  } else {
    rows.push({ metric: '(b) two instances behind nginx', value: 'not measured', target: '', met: null });
  }
  return rows;
}
