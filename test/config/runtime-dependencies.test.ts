import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';

const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** The npm packages an entry point imports when it runs (static and dynamic imports). */
async function packagesImportedBy(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`${REPO_ROOT}/${entry}`],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const names = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || imported.path.startsWith('node:')) continue;
      const parts = imported.path.split('/');
      const name = imported.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      if (!builtinModules.includes(name)) names.add(name);
    }
  }
  return [...names].sort();
}

describe('running in production without dev dependencies (npm ci --omit=dev)', () => {
  it.each([
    'server/main.ts',
    'server/cli/token.ts',
    'scripts/build-server.ts',
    'scripts/nginx/render-nginx-config.ts',
    'kysely.config.ts',
  ])('finds every package %s imports among the dependencies', async (entry) => {
    const missing = (await packagesImportedBy(entry)).filter((name) => !(name in pkg.dependencies));
    expect(missing).toEqual([]);
  });

  it('starts through tsx, which is a dependency', () => {
    // exec: npm's SIGTERM reaches the server, not a shell between them.
    expect(pkg.scripts.start).toBe('exec node --import tsx server/main.ts');
    expect(pkg.dependencies).toHaveProperty('tsx');
  });
});
