/** How long a condition may take to hold before the test fails (a loaded machine is slow). */
export const DEFAULT_WAIT_MS = 10_000;

/**
 * Resolves once `check` holds, looking every 10 ms; fails with `what` after `ms`. Tests wait
 * for conditions this way, never for a fixed time.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  ms = DEFAULT_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
