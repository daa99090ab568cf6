import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../scripts/local/server-process.js';

/** Whether the process runs (a zombie, ended but not yet reaped, does not). */
export function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every process below `pid` (its children, theirs...), with its command line. */
export function processesBelow(pid: number): Array<{ pid: number; args: string }> {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((match) => match !== null)
    .map(([, child, parent, args]) => ({ pid: Number(child), ppid: Number(parent), args: args! }));
  const below: typeof rows = [];
  for (let parents = [pid]; parents.length > 0;) {
    const children = rows.filter((row) => parents.includes(row.ppid));
    below.push(...children);
    parents = children.map((row) => row.pid);
  }
  return below.map(({ pid: child, args }) => ({ pid: child, args }));
}

/**
 * Runs a command line as a person would paste it, in the checkout, with no configuration in the
 * environment; resolves with the last line it printed.
 */
export const runInShell = (command: string) =>
  execFileSync('sh', ['-c', command], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1)!;
