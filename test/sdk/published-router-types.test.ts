import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';
import type { CommandOutput } from '../../bench/run-command.js';
import { mustRun, run } from './run-command.js';

// The SDK publishes the server's router type inside its own dist/index.d.ts, with the server's
// request context swapped for an opaque stand-in (client-sdk/scripts/build.js). These tests
// build that file as `npm pack` does and let the compiler compare it with the server's
// `AppRouter`: every procedure (its kind, input, output, meta and error shape) and the
// settings a client reads (error shape, transformer) must be the same types, not merely
// assignable. Only the context, which clients never see, may differ.

const SERVER_ROUTER = join(REPO_ROOT, 'server/trpc/routers/_app.js');

/** Compiles only if both sides are the same; else names the procedures that differ. */
const comparison = (sdkFolder: string) => `
import type { AppRouter as Published } from './${sdkFolder}/index.js';
import type { AppRouter as Server } from ${JSON.stringify(SERVER_ROUTER)};

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Differing<P, S, At extends string = ''> = {
  [K in (keyof P | keyof S) & string]: K extends keyof P & keyof S
    ? P[K] extends { _def: unknown } ? (Same<P[K], S[K]> extends true ? never : \`\${At}\${K}\`) : Differing<P[K], S[K], \`\${At}\${K}.\`>
    : \`\${At}\${K}\`;
}[(keyof P | keyof S) & string];
type None<T> = [T] extends [never] ? true : T;
type ClientSettings<R extends Server | Published> = Omit<R['_def']['_config']['$types'], 'ctx'>;

export const procedures: None<Differing<Published['_def']['record'], Server['_def']['record']>> = true;
export const settings: Same<ClientSettings<Published>, ClientSettings<Server>> = true;
`;
/** The line of `procedures` in that file (1-based), where tsc reports differing procedures. */
const PROCEDURES_LINE =
  comparison('')
    .split('\n')
    .findIndex((line) => line.includes(' procedures:')) + 1;

/** The published input of `scores.update`, with `new_score` turned into a string. */
function driftScoreUpdateInput(declarations: string): string {
  const drifted = declarations.replace(
    /(update: [\w.]+TRPCMutationProcedure<\{\s*input: \{[^}]*new_score: )number;/,
    '$1string;',
  );
  expect(drifted, 'the mutation found scores.update').not.toBe(declarations);
  return drifted;
}

let work: string;
let compiled: { published: Promise<CommandOutput>; drifted: Promise<CommandOutput> };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scoreboard-sdk-types-'));
  // One @trpc/server (the repository's) for both sides, so that its types are one declaration.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));

  await mustRun(process.execPath, ['client-sdk/scripts/build.js', join(work, 'published')], REPO_ROOT);
  mkdirSync(join(work, 'drifted'));
  const declarations = readFileSync(join(work, 'published/index.d.ts'), 'utf8');
  writeFileSync(join(work, 'drifted/index.d.ts'), driftScoreUpdateInput(declarations));

  const tsc = (name: 'published' | 'drifted') => {
    writeFileSync(join(work, `${name}.ts`), comparison(name));
    writeFileSync(
      join(work, `tsconfig.${name}.json`),
      JSON.stringify({
        extends: join(REPO_ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true },
        include: [],
        files: [`${name}.ts`],
      }),
    );
    return run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`],
      work,
    );
  };
  compiled = { published: tsc('published'), drifted: tsc('drifted') };
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the SDK's published router types", () => {
  it("are the server's AppRouter for every procedure and client setting", async () => {
    const result = await compiled.published;
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('would fail the comparison if one input differed (scores.update with a string new_score)', async () => {
    const result = await compiled.drifted;
    const errors = result.stdout.split('\n').filter((line) => / error TS/.test(line));
    expect(errors).toEqual([
      `drifted.ts(${PROCEDURES_LINE},14): error TS2322: Type 'true' is not assignable to type '"scores.update"'.`,
    ]);
    expect(result.code).not.toBe(0);
  }, 120_000);
});
