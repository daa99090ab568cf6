import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGBENCH_SUBJECT } from './pg-schema.js';
import { runCommand } from './run-command.js';
import { LatencyHistogram, round, type LatencySummary } from './stats.js';

/**
 * One update as PostgreSQL alone would do it, one transaction per update: the prior-action
 * lookup of the user's action_id, the current-score lookup, the ledger insert and the score
 * upsert that the server's batch read and sb_commit_batch (PostgreSQL migration 0006) do, on
 * the same tables, for the board `global` with its window `all`. A random user of `users`
 * (`pgbench-00000`..), a unique action_id per transaction (`pgb-<tag>-<client>-<n>`: `n`
 * is the client's own counter, kept across its transactions), the score one above the
 * current one. What the server adds per batch (advisory locks, the board version row, one
 * board_changes row) is not here: it is shared by the batch, not paid per update.
 */
export const PGBENCH_SCRIPT = `\\set uid random(0, :users - 1)
\\set n :n + 1
BEGIN;
SELECT action_id, user_id, value, previous_score, new_score FROM score_ledger
  WHERE user_id = 'pgbench-' || lpad(:uid::text, 5, '0') AND board_id = 'global'
    AND action_id = 'pgb-' || :tag::text || '-' || :client_id::text || '-' || :n::text;
SELECT coalesce(max(score), 0) AS cur FROM board_scores
  WHERE user_id = 'pgbench-' || lpad(:uid::text, 5, '0') AND board_id = 'global' AND window_key = 'all' \\gset
INSERT INTO score_ledger (board_id, action_id, user_id, value, previous_score, new_score, subject, ip, created_at)
  VALUES ('global', 'pgb-' || :tag::text || '-' || :client_id::text || '-' || :n::text,
          'pgbench-' || lpad(:uid::text, 5, '0'), :cur::bigint + 1, :cur::bigint, :cur::bigint + 1,
          '${PGBENCH_SUBJECT}', '127.0.0.1', (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
  ON CONFLICT (user_id, board_id, action_id) DO NOTHING
  RETURNING id AS seq \\gset
INSERT INTO board_scores (board_id, window_key, user_id, score, sort_key, reached_seq, updated_at)
  VALUES ('global', 'all', 'pgbench-' || lpad(:uid::text, 5, '0'), :cur::bigint + 1, -(:cur::bigint + 1),
          :seq::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
  ON CONFLICT (user_id, board_id, window_key) DO UPDATE
    SET score = excluded.score, sort_key = excluded.sort_key, reached_seq = excluded.reached_seq,
        updated_at = excluded.updated_at;
END;
`;

export interface PgbenchResult {
  /** The command line (the connection string left out). */
  command: string;
  clients: number;
  jobs: number;
  seconds: number;
  transactions: number;
  failed: number;
  /** pgbench's tps (without the initial connection time). */
  tps: number;
  /** pgbench's own average, and the distribution from its per-transaction log. */
  latencyAverageMs: number;
  latencyMs: LatencySummary;
  initialConnectionMs: number;
  /** Whether a client aborted (pgbench: "Run was aborted"), with pgbench's first error lines. */
  aborted: boolean;
  errors: string[];
}

/** Parses pgbench's summary. */
export function parsePgbench(
  text: string,
): Omit<PgbenchResult, 'command' | 'clients' | 'jobs' | 'seconds' | 'latencyMs' | 'errors'> {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    transactions: number(/number of transactions actually processed: (\d+)/),
    failed: number(/number of failed transactions: (\d+)/) || 0,
    tps: round(number(/^tps = ([\d.]+)/m)),
    latencyAverageMs: round(number(/latency average = ([\d.]+) ms/)),
    initialConnectionMs: round(number(/initial connection time = ([\d.]+) ms/)),
    aborted: /run was aborted/i.test(text),
  };
}

/**
 * Runs `pgbench -n -f <script> -c clients -j jobs -T seconds -M prepared` against
 * `databaseUrl` in `schema` (PGOPTIONS search_path), with a per-transaction log for the
 * latency percentiles. synchronous_commit is left at the server's setting.
 */
export async function runPgbench(options: {
  databaseUrl: string;
  schema: string;
  users: number;
  clients: number;
  jobs: number;
  seconds: number;
  tag: string;
}): Promise<PgbenchResult> {
  const seconds = Math.max(1, Math.round(options.seconds));
  const dir = mkdtempSync(join(tmpdir(), 'scoreboard-pgbench-'));
  try {
    const script = join(dir, 'update.sql');
    writeFileSync(script, PGBENCH_SCRIPT);
    const args = [
      '-n',
      '-f',
      script,
      '-c',
      String(options.clients),
      '-j',
      String(Math.min(options.jobs, options.clients)),
      '-T',
      String(seconds),
      '-M',
      'prepared',
      '-D',
      'n=0',
      '-D',
      `users=${options.users}`,
      '-D',
      `tag=${options.tag}`,
      '--log',
      `--log-prefix=${join(dir, 'txn')}`,
    ];
    const run = await runCommand('pgbench', [...args, options.databaseUrl], {
      env: { ...process.env, PGOPTIONS: `-c search_path=${options.schema}` },
    });
    const summary = parsePgbench(run.stdout);
    if (!Number.isFinite(summary.tps) || !Number.isFinite(summary.transactions)) {
      throw new Error(`pgbench failed (exit code ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
    // Log lines: client_id transaction_no time_us script_no epoch_s epoch_us (see pgbench docs).
    const latency = new LatencyHistogram();
    for (const file of readdirSync(dir).filter((f) => f.startsWith('txn'))) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const time = line.split(' ')[2];
        if (time !== undefined && /^\d+$/.test(time)) latency.record(Number(time) / 1000);
      }
    }
    return {
      command: `pgbench ${args.join(' ').replace(dir, '<tmp>').replace(dir, '<tmp>')} <database>`,
      clients: options.clients,
      jobs: Math.min(options.jobs, options.clients),
      seconds,
      ...summary,
      latencyMs: latency.summary(),
      errors: run.stderr
        .split('\n')
        .filter((line) => /error|abort/i.test(line))
        .slice(0, 5),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
