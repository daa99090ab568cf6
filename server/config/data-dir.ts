import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A folder that cannot be used for data; the message is one line naming it. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/**
 * Creates `dir` and its missing parents, one level at a time. Node 20's
 * `mkdirSync(dir, { recursive: true })` loops forever under `/proc`, so the recursion is ours:
 * find the deepest folder that exists, then create each missing level below it.
 * Throws a DataDirError (one line) when a level cannot be created or is not a folder.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    const kind = kindOf(current);
    if (kind === 'dir') break;
    if (kind === 'other') throw new DataDirError(`${current} exists and is not a folder`);
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && kindOf(level) === 'dir') continue;
      throw new DataDirError(`cannot create the folder ${level} (${code ?? String(error)})`);
    }
  }
}

function kindOf(path: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}
