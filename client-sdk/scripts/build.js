// Builds dist/index.js (esbuild, @trpc/* external) and dist/index.d.ts (rollup-plugin-dts),
// with the server's router type bundled in so that a consumer never needs the server source.
// `node scripts/build.js <folder>` writes them to another folder (tests build their own copy).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { argv } from 'node:process';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(argv[2] ?? join(root, 'dist'));
const entry = join(root, 'src/index.ts');
const isTrpc = (id) => id === '@trpc/client' || id === '@trpc/server' || id.startsWith('@trpc/server/');

// The router's type names the server's request context only as its `ctx`, which clients never
// see; following it would drag the whole server (pino, kysely, node:http, ...) into the types.
// The bundle gets an opaque stand-in (scripts/server-context.d.ts) for that one module instead.
const serverContext = resolve(root, '../server/procedures/context');
const contextStub = join(root, 'scripts/server-context.d.ts');
const eraseServerContext = {
  name: 'erase-server-context',
  resolveId(source, importer) {
    if (!importer || !source.startsWith('.')) return null;
    const target = resolve(dirname(importer), source).replace(/(\.d)?\.[cm]?[jt]s$/, '');
    return target === serverContext ? contextStub : null;
  },
};

rmSync(dist, { recursive: true, force: true });

await build({
  entryPoints: [entry],
  outfile: join(dist, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['@trpc/*'],
  sourcemap: true,
  logLevel: 'warning',
});

const bundle = await rollup({
  input: entry,
  plugins: [eraseServerContext, dts({ tsconfig: join(root, 'tsconfig.build.json') })],
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
});
const { output } = await bundle.write({ file: join(dist, 'index.d.ts'), format: 'es' });
await bundle.close();

// Only tRPC may be imported by the published types: anything else (a server dependency)
// would be missing in a consumer's project.
const leaked = output
  .flatMap((chunk) => ('imports' in chunk ? chunk.imports : []))
  .filter((id) => !isTrpc(id));
if (leaked.length > 0) {
  throw new Error(`dist/index.d.ts imports ${leaked.join(', ')}: only @trpc/* may travel with the SDK types`);
}
