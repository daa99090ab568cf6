import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * How far V8 lets the old generation grow past what the last full collection left live, in
 * percent. V8's own factor goes up to 4× on a machine with gigabytes to spare, and with a
 * million users the process then swelled to several times its live heap under load before it
 * collected; at 2× the footprint stays predictable, with the write latency unchanged (the
 * figures are in docs/performance.md).
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Bounds the heap's growth, then runs one full garbage collection once the board is loaded:
 * loading a million users leaves hundreds of megabytes of garbage (rows, a sorted copy), and
 * until its first full collection V8 sizes the old generation from its own maximum (half of
 * it, gigabytes here), not from what is live.
 */
export function settleHeapAfterStart(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  // Node calls flags changed at run time undefined behaviour: should `gc` not appear, the
  // server runs on with V8's own sizing rather than fail to start over a memory setting.
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
  if (typeof gc === 'function') gc();
}
