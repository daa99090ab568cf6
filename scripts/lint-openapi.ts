// `npm run lint:openapi`: writes the OpenAPI document the server serves (GET /openapi.json) to a
// temporary folder and lints it with Redocly's recommended rules, every warning an error.
// Offline: the npm script turns off Redocly's telemetry and update check (the only network it uses).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openApiDocument } from '../server/http/openapi.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const cli = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');

const dir = mkdtempSync(join(tmpdir(), 'scoreboard-openapi-'));
try {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(openApiDocument(version), null, 2));
  const lint = spawnSync(
    process.execPath,
    [cli, 'lint', file, '--extends=recommended-strict', '--max-problems=1000', '--format=stylish'],
    { stdio: 'inherit' },
  );
  process.exitCode = lint.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
