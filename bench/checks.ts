import { boardsChecks } from './boards-report.js';
import type { HttpLoadResult } from './http-load.js';
import { getCheck, loadCheck } from './load.js';
import type { ModeOutcome } from './outcome.js';
import type { Check } from './report.js';

/** Distinct action_ids answered 200 over every phase that wrote through the server(s). */
export function accepted200(o: ModeOutcome): number {
  const soakLoad = o.soak && 'load' in o.soak ? o.soak.load : null;
  return [
    o.updateWarmup?.accepted,
    o.updateScore?.accepted,
    o.sdk?.accepted,
    o.sdkWebSocket?.accepted,
    o.typed?.trpcUpdateWarmup?.accepted,
    o.typed?.trpcUpdate?.accepted,
    o.depth?.updateWarmup?.accepted,
    o.depth?.update?.accepted,
    o.fanout?.accepted,
    soakLoad?.accepted,
    o.postgres?.nginx.warmup?.accepted,
    o.postgres?.nginx.measured?.accepted,
  ].reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/**
 * The self-verification: any failed check makes the run exit non-zero. `bare` is null when only
 * the many-boards phases ran (`--only boards`): then no update phase is checked.
 */
export function buildChecks(o: ModeOutcome, bare: HttpLoadResult | null): Check[] {
  const pg = o.postgres;
  const newRows = o.ledger.after - o.ledger.before;
  const accepted = accepted200(o);
  const where = pg ? `score_ledger of schema ${pg.schema} (pgbench's rows apart)` : 'score_ledger';
  const checks: Check[] = [
    { name: 'the run completed', passed: o.failure === null, detail: o.failure ?? 'every phase ran' },
  ];
  if (bare) {
    checks.push(
      {
        name: 'new ledger rows equal accepted updates (200s)',
        passed: newRows === accepted && o.updateScore !== null,
        detail: `${newRows} new rows in ${where} (${o.ledger.before} → ${o.ledger.after}); ${accepted} distinct action_ids answered 200`,
      },
      loadCheck('bare server', bare),
    );
  }
  const label = pg ? '(a) one instance, POST /update-score' : 'POST /update-score';
  if (o.updateWarmup) checks.push(loadCheck(`${label} warm-up`, o.updateWarmup));
  if (o.updateScore) checks.push(loadCheck(label, o.updateScore));
  if (pg?.nginx.warmup) checks.push(loadCheck('(b) two instances behind nginx, warm-up', pg.nginx.warmup));
  if (pg?.nginx.measured) checks.push(loadCheck('(b) two instances behind nginx', pg.nginx.measured));
  for (const sdk of [o.sdk, o.sdkWebSocket]) {
    if (!sdk) continue;
    checks.push({
      name: `client SDK over ${sdk.transport === 'http' ? 'HTTP' : 'WebSocket'}: no errors, every call applied`,
      passed: sdk.errors === 0 && sdk.notApplied === 0,
      detail: `${sdk.calls} calls, ${sdk.accepted} applied, ${sdk.notApplied} not applied, ${sdk.errors} errors ${sdk.firstErrors.join(' | ')}`,
    });
  }
  const t = o.typed;
  if (t?.trpcUpdateWarmup) checks.push(loadCheck('tRPC scores.update warm-up', t.trpcUpdateWarmup));
  if (t?.trpcUpdate) checks.push(loadCheck('tRPC scores.update', t.trpcUpdate));
  if (t?.plainTop) checks.push(getCheck('GET /leaderboard?limit=10', t.plainTop));
  if (t?.trpcTop) checks.push(getCheck('tRPC leaderboard.top', t.trpcTop));
  const d = o.depth;
  if (d?.healthz) checks.push(getCheck(`depth (${d.users} users): GET /healthz`, d.healthz));
  if (d?.rank) checks.push(getCheck(`depth (${d.users} users): GET /leaderboard/users/{random}`, d.rank));
  if (d?.updateWarmup)
    checks.push(loadCheck(`depth (${d.users} users): random-user updates, warm-up`, d.updateWarmup));
  if (d?.update) checks.push(loadCheck(`depth (${d.users} users): random-user updates`, d.update));
  const f = o.fanout;
  if (f) {
    checks.push({
      name: 'fan-out: every write 200 and delivered to every subscriber',
      passed:
        f.updateErrors === 0 && f.missed === 0 && f.subscriberErrors === 0 && f.subscribersClosedEarly === 0,
      detail:
        `${f.accepted}/${f.updatesSent} writes 200, ${f.delivered}/${f.expectedDeliveries} deliveries, ` +
        `${f.subscriberErrors} socket errors, ${f.subscribersClosedEarly} closed early` +
        (f.updateErrors
          ? `; failed writes ${JSON.stringify(f.updateErrorStatuses)}: ${f.updateErrorSamples.join(' | ')}`
          : ''),
    });
  }
  if (o.soak && 'load' in o.soak) checks.push(loadCheck('soak', o.soak.load));
  if (pg) {
    const runs = [pg.pgbench.warmup, pg.pgbench.measured].filter((r) => r !== null);
    const transactions = runs.reduce((sum, r) => sum + r.transactions, 0);
    if (bare) {
      checks.push(
        {
          name: 'pgbench: no failed transactions or aborted clients',
          passed: pg.pgbench.measured !== null && runs.every((r) => r.failed === 0 && !r.aborted),
          detail: runs.length
            ? runs
                .map(
                  (r) =>
                    `${r.transactions} transactions, ${r.failed} failed${r.aborted ? ', aborted' : ''} ${r.errors.join(' | ')}`,
                )
                .join('; ')
            : 'not run',
        },
        {
          name: "pgbench's ledger rows equal its transactions",
          passed: pg.pgbench.ledgerRows === transactions && transactions > 0,
          detail: `${pg.pgbench.ledgerRows ?? '?'} rows, ${transactions} transactions (warm-up included)`,
        },
      );
    }
    const schemas = [pg.schema, ...pg.boardsSchemas].join(', ');
    checks.push({
      name: 'the schemas and the Redis keys of the run are gone',
      passed: pg.schemaDropped && pg.redis.keysLeft === 0,
      detail: `schema${pg.boardsSchemas.length ? 's' : ''} ${schemas} ${pg.schemaDropped ? 'dropped' : 'not all dropped'}; ${pg.redis.keysLeft ?? '?'} keys left under ${pg.redis.prefix}`,
    });
  }
  if (o.boards) checks.push(...boardsChecks(o.boards));
  checks.push({
    name: `server${o.exits.length === 1 ? '' : 's'} shut down cleanly on SIGTERM`,
    passed: o.exits.length > 0 && o.exits.every((e) => e.code === 0),
    detail:
      o.exits.map((e) => `${e.name}: exit code ${e.code}, signal ${e.signal}`).join('; ') || 'none started',
  });
  return checks;
}
