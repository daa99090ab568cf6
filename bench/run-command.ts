import { spawn, type SpawnOptions } from 'node:child_process';

/** What a finished command printed, and its exit code. */
export interface CommandOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting both outputs (wrk, pgbench; npm and tsc in tests). */
export function runCommand(
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'env' | 'cwd'> = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
