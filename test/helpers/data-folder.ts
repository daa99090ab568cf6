import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropKeys } from '../../bench/redis.js';
import { holdUntilReleased } from '../../scripts/local/cleanup-registry.js';
import { freshSchema, ON_POSTGRES } from './postgres.js';
import { REDIS_URL, RUN_REDIS_PREFIX } from './shared-services.js';

/** A data folder with its database: a SQLite file in it, or a PostgreSQL schema and a Redis prefix. */
export interface DataFolder {
  readonly path: string;
  /** DATABASE_URL (and REDIS_URL, REDIS_PREFIX) of every server on this folder. */
  readonly env: Record<string, string>;
  /** The schema's name on PostgreSQL. */
  readonly schema?: string;
  /** Shutdowns of the servers started on it. */
  readonly servers: Set<() => Promise<void>>;
  /** Whether the helper made the folder (and so removes it). */
  readonly made: boolean;
  /** Closes every server on it, drops its schema and Redis keys, removes the folder if made. */
  readonly release: () => Promise<void>;
}

/** The folders of this test file that still hold data; a restart on one finds its database. */
const folders = new Map<string, DataFolder>();

/**
 * The folder `dir` (or a new temporary one), with a database of its own. Held until released:
 * by closing a server on a folder the helper made, or at the end of the test file.
 */
export async function dataFolder(dir: string | undefined): Promise<DataFolder> {
  const known = dir === undefined ? undefined : folders.get(dir);
  if (known) return known;
  const made = dir === undefined;
  const path = dir ?? mkdtempSync(join(tmpdir(), 'scoreboard-test-'));
  const servers = new Set<() => Promise<void>>();
  /** What the database leaves to undo: the schema and the Redis keys. */
  const undo: Array<() => Promise<unknown>> = [];
  const release = holdUntilReleased(async () => {
    folders.delete(path);
    // Every step runs, whatever fails before it; the first failure is reported.
    const outcomes: PromiseSettledResult<unknown>[] = await Promise.allSettled(
      [...servers].map((close) => close()),
    );
    for (const step of undo) outcomes.push(...(await Promise.allSettled([step()])));
    if (made) rmSync(path, { recursive: true, force: true });
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  });
  const folder = { path, servers, made, release };
  if (!ON_POSTGRES) return remember({ ...folder, env: {} });
  try {
    const schema = await freshSchema();
    undo.push(schema.drop);
    const prefix = `${RUN_REDIS_PREFIX}${randomBytes(6).toString('hex')}:`;
    undo.push(() => dropKeys(REDIS_URL, prefix));
    const env = { DATABASE_URL: schema.url, REDIS_URL, REDIS_PREFIX: prefix };
    return remember({ ...folder, env, schema: schema.name });
  } catch (error) {
    await release();
    throw error;
  }
}

function remember(folder: DataFolder): DataFolder {
  folders.set(folder.path, folder);
  return folder;
}
