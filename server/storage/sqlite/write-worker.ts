import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { ScoreRules } from '../../scores/score.rules.js';
import { ScoreWriter } from './score-writer.js';
import { openConnection } from './sqlite-connection.js';
import type { FromWriter, ToWriter, WriteJob } from './write-jobs.js';

// The writer thread: owns the write connection, so a commit's fsync never blocks the event
// loop that serves requests. Every batch that queued up while the previous commit was
// syncing is drained and committed together.
const { file, rules } = workerData as { file: string; rules: ScoreRules };
const port = parentPort!;
const sqlite = openConnection(file);
const writer = new ScoreWriter(sqlite, rules);

function close(): void {
  sqlite.close();
  port.postMessage({ kind: 'closed' } satisfies FromWriter);
  port.close();
}

port.on('message', (first: ToWriter) => {
  const ids: number[] = [];
  const jobs: WriteJob[] = [];
  let closing = false;
  for (let message: ToWriter | undefined = first; message;) {
    if (message.kind === 'close') closing = true;
    else {
      ids.push(...message.ids);
      jobs.push(...message.jobs);
    }
    message = (receiveMessageOnPort(port)?.message as ToWriter | undefined) ?? undefined;
  }
  if (jobs.length > 0) {
    const started = process.hrtime.bigint();
    const results = writer.commit(jobs);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    port.postMessage({ kind: 'results', ids, results, size: jobs.length, seconds } satisfies FromWriter);
  }
  if (closing) close();
});
