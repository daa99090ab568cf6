// `npm run -s nginx-config > nginx.conf`: deploy/nginx/scoreboard.conf.template with its
// variables taken from the environment (see docs/production.md); `--out FILE` writes FILE.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NginxConfigError, renderNginxConfig } from './nginx-config.js';

const USAGE = `Usage: npm run -s nginx-config [-- --out FILE]
Prints deploy/nginx/scoreboard.conf.template with its variables filled from the environment
variables of the same names, or their defaults (docs/production.md lists them).
  --out    write FILE instead of printing
  --help   print this`;

/** Stops with `message` (one line; the usage after it for a mistake in the command line), exit code 2. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
try {
  const config = renderNginxConfig(process.env);
  if (values.out) writeFileSync(values.out, config);
  else process.stdout.write(config);
} catch (error) {
  if (!(error instanceof NginxConfigError)) throw error;
  fail(error.message);
}
