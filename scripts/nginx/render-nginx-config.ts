// `npm run -s nginx-config > nginx.conf`: deploy/nginx/scoreboard.conf.template with its
// variables taken from the environment (see docs/production.md); `--out FILE` writes FILE.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NginxConfigError, renderNginxConfig } from './nginx-config.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
try {
  const config = renderNginxConfig(process.env);
  if (values.out) writeFileSync(values.out, config);
  else process.stdout.write(config);
} catch (error) {
  if (!(error instanceof NginxConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
