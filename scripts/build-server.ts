// `npm run build`: bundles the server into dist/server.js, the production entry point, run as
// `node dist/server.js` so that the node process itself receives the supervisor's SIGTERM.
// `npm run build -- --outfile other.mjs` writes elsewhere (the tests build into a temporary
// folder). Packages stay in node_modules (better-sqlite3 is a native module, and esbuild builds
// the page at start), and the sources the server reads at run time stay where they are: every
// `import.meta.url` of a bundled file is rewritten to that file's own place in the checkout, so
// `../package.json`, `../../web/` and module resolution from it mean what they mean in the
// sources. The bundle therefore runs from the checkout it was built in.
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({ options: { outfile: { type: 'string', default: 'dist/server.js' } } });
const outfile = resolve(ROOT, values.outfile ?? 'dist/server.js');

/** Rewrites `import.meta.url` in each bundled source to the URL of that source file. */
const sourceUrls: Plugin = {
  name: 'source-urls',
  setup(bundle) {
    bundle.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(dirname(outfile), path).split(sep).join('/');
      const own = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', own), loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [resolve(ROOT, 'server/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [sourceUrls],
  logLevel: 'warning',
});
process.stdout.write(`Built ${outfile}\n`);
