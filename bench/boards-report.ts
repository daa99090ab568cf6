import { BOARDS_TARGET, PAST_ROWS_TARGET, type BoardsResults } from './boards-phase.js';
import { errorCounts, ms, rate } from './format.js';
import { getCheck, httpClean, httpDetail, loadCheck } from './load.js';
import type { Check, TargetRow } from './report.js';

/** The targets for many boards (judged only at its sizes). */
const START_SECONDS = 20;
const RSS_MB = 500;
const WINDOW_COST_RATIO = 0.7;
const ROLLOVER_P99_MS = 50;
const PAST_PAGE_P99_MS = 20;

/** The summary rows of the many-boards phases. */
export function boardsRows(b: BoardsResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const atSize = b.boards >= BOARDS_TARGET.boards && b.usersPerBoard >= BOARDS_TARGET.users;
  const size = `${b.boards} boards × ${b.usersPerBoard.toLocaleString('en-US')} users`;
  const target = (text: string, judged = atSize) =>
    judged ? text : `${text} at ${BOARDS_TARGET.boards} boards × 10,000 users (not judged)`;
  const met = (ok: boolean, judged = atSize) => (judged ? ok : null);
  if (b.boards > 0) {
    const rss = Math.max(b.rssMB.atStart ?? Infinity, b.rssMB.settled ?? Infinity);
    rows.push(
      {
        metric: `boards: seed ${size}, windows all/week/day (${b.rows.toLocaleString('en-US')} rows, direct SQL)`,
        value: `${b.seedSeconds} s`,
        target: '',
        met: null,
      },
      {
        metric: `**boards: server start with ${size} (spawn → healthy: open, migrate, registry, load)**`,
        value: `**${b.startSeconds} s**`,
        target: target(`< ${START_SECONDS} s`),
        met: met(b.startSeconds < START_SECONDS),
      },
      {
        metric: 'boards: server RSS at start / 3 s later / after the loads / peak',
        value: `${b.rssMB.atStart ?? '?'} / ${b.rssMB.settled ?? '?'} / ${b.rssMB.afterLoads ?? '?'} / ${b.rssMB.peak ?? '?'} MB`,
        target: target(`≤ ${RSS_MB} MB after load`),
        met: Number.isFinite(rss) ? met(rss <= RSS_MB) : null,
      },
    );
  }
  if (b.unavailable) rows.push({ metric: 'boards: load runs', value: b.unavailable, target: '', met: null });
  const c = b.windowCost;
  if (c) {
    rows.push({
      metric: `**boards: POST with windows all/week/day vs all only (${c.three} vs ${c.solo}, random users)**`,
      value:
        `**${c.ratio.toFixed(3)}×** (median of the pairs ${c.pairRatios.map((r) => r.toFixed(2)).join(', ')}; ` +
        `over all runs ${rate(c.threePerSec)} vs ${rate(c.soloPerSec)}, ${c.pooledRatio.toFixed(3)}×)`,
      target: `≥ ${WINDOW_COST_RATIO}×`,
      met: c.ratio >= WINDOW_COST_RATIO,
    });
  }
  const r = b.rollover;
  if (r) {
    rows.push(
      {
        metric: `**boards: p99 of the updates sent within 0.5 s of a rollover (${r.aroundInstant.count} updates)**`,
        value:
          `**${ms(r.aroundInstant.p99)}** (p50 ${ms(r.aroundInstant.p50)}; whole run p99 ${ms(r.measured.latencyMs.p99)}, ` +
          `so ${r.measured.latencyMs.p99 > 0 ? (r.aroundInstant.p99 / r.measured.latencyMs.p99).toFixed(2) : '?'}× the run's)`,
        target: `≤ ${ROLLOVER_P99_MS} ms`,
        met: r.aroundInstant.count > 0 && r.aroundInstant.p99 <= ROLLOVER_P99_MS,
      },
      {
        metric:
          'boards: rollover non-2xx / errors / timeouts / mismatches; acknowledged writes not in the ledger',
        value: `${errorCounts(r.measured).value}; ${r.missing} of ${r.acknowledged}`,
        target: '0; 0',
        met: errorCounts(r.measured).met && r.missing === 0,
      },
    );
  }
  const p = b.past;
  if (p) {
    const judged = p.rows >= PAST_ROWS_TARGET;
    rows.push(
      {
        metric: `**boards: GET a page (${p.limit} entries) of a past window of ${p.rows.toLocaleString('en-US')} rows, ${p.pages} cursors to rank ${p.deepestRank.toLocaleString('en-US')}**`,
        value: `**p99 ${ms(p.measured.latencyMs.p99)}** (${rate(p.measured.requestsPerSec)}, p50 ${ms(p.measured.latencyMs.p50)})`,
        target: judged
          ? `p99 ≤ ${PAST_PAGE_P99_MS} ms`
          : `p99 ≤ ${PAST_PAGE_P99_MS} ms at 1,000,000 rows (not judged)`,
        met: judged ? p.measured.latencyMs.p99 <= PAST_PAGE_P99_MS : null,
      },
      {
        metric: 'boards: the same pages of the current window (in memory), same run: p99; past p99 over it',
        value: `p99 ${ms(p.current.latencyMs.p99)} (${rate(p.current.requestsPerSec)}, p50 ${ms(p.current.latencyMs.p50)}); ${p.p99Ratio.toFixed(3)}×`,
        target: '',
        met: null,
      },
    );
  }
  return rows;
}

/** The self-verification of the many-boards phases. */
export function boardsChecks(b: BoardsResults): Check[] {
  const checks: Check[] = [
    {
      name: 'boards: the phases completed',
      passed: b.failure === null,
      detail: b.failure ?? 'every phase ran',
    },
  ];
  if (b.windowCost || b.rollover) {
    checks.push({
      name: 'boards: new ledger rows equal accepted updates (200s)',
      passed: b.ledger.newRows === b.ledger.accepted,
      detail: `${b.ledger.newRows} new rows; ${b.ledger.accepted} distinct action_ids answered 200`,
    });
  }
  for (const { board, result } of b.windowCost?.runs ?? [])
    checks.push(loadCheck(`boards: POST /boards/${board}/scores`, result));
  const r = b.rollover;
  if (r) {
    const s = r.seasons;
    checks.push(
      {
        name: 'boards: rollover: no errors, and the instant fell inside the run',
        passed: httpClean(r.measured) && r.aroundInstant.count > 0,
        detail: `${httpDetail(r.measured)}; season 1 began ${r.instantAfterSeconds} s into the run, ${r.aroundInstant.count} updates sent within 0.5 s of it`,
      },
      {
        name: 'boards: rollover: every acknowledged write is in the ledger, and only those',
        passed: r.missing === 0 && r.ledgerRows === r.acknowledged,
        detail: `${r.acknowledged} action_ids answered 200, ${r.missing} of them not in the ledger; ${r.ledgerRows} ledger rows on ${r.board}`,
      },
      {
        name: "boards: rollover: both seasons hold writes, and each user's points are counted in exactly one",
        passed: s.before > 0 && s.after > 0 && s.unbalanced === 0,
        detail: `${s.all} users on the board, ${s.before} in season 0, ${s.after} in season 1; ${s.unbalanced} whose total is not the sum of their seasons`,
      },
    );
  }
  if (b.past) {
    checks.push(
      getCheck('boards: pages of a past window (each starting after its cursor)', b.past.measured),
      getCheck('boards: the same pages of the current window', b.past.current),
    );
  }
  return checks;
}
