/**
 * What this process started or made and has not released yet (servers, schemas, spare
 * services, nginx, temporary folders). A test releases what it made when it is done; whatever a
 * failing test left is released after its file by `releaseLeftovers` (vitest's setup file calls
 * it), and `npm run cluster` releases what is left the same way when it stops or fails to start,
 * so one failure never leaves a database, a folder or a process behind.
 */
const held = new Map<symbol, () => Promise<void>>();

/**
 * Remembers how to release something; returns the function that releases it now. That
 * function runs `release` once (later calls share the first call's promise) and forgets it.
 */
export function holdUntilReleased(release: () => Promise<void> | void): () => Promise<void> {
  const key = Symbol('held');
  let released: Promise<void> | undefined;
  const releaseNow = () => {
    released ??= (async () => {
      held.delete(key);
      await release();
    })();
    return released;
  };
  held.set(key, releaseNow);
  return releaseNow;
}

/**
 * Releases everything still held, newest first (a server goes before the spare database it
 * used), every one even when some fail; then throws the failures together.
 */
export async function releaseLeftovers(): Promise<void> {
  const failures: unknown[] = [];
  for (const release of [...held.values()].reverse()) {
    try {
      await release();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'could not release what the tests left');
}
