import { runCommand, type CommandOutput } from '../../bench/run-command.js';

/** The environment of a child: npm's own `npm_*` variables from `npm test` are left out. */
export const childEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_'))),
  ...extra,
});

/** Runs a command in `cwd` to its end; resolves however it ends. */
export const run = (command: string, args: string[], cwd: string, env = childEnv()) =>
  runCommand(command, args, { cwd, env });

/** Runs a command in `cwd` to its end; rejects with its output unless it exits 0. */
export async function mustRun(command: string, args: string[], cwd: string): Promise<CommandOutput> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}
