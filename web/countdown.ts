/**
 * The countdown to the next reset of the window shown: updated each second, as each whole
 * second left passes, and when it reaches zero it calls `onReset` once (the server rolls the
 * window over by itself; the page only reads it again).
 */

const SECOND_MS = 1000;

/** `2d 03:04:05`, `03:04:05` or `04:05`: whole seconds left, never below zero. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / SECOND_MS));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  const clock =
    hours > 0 || days > 0
      ? `${two(hours)}:${two(minutes)}:${two(seconds)}`
      : `${two(minutes)}:${two(seconds)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

export class Countdown {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private resetAt = Number.NaN;
  private onReset: (() => void) | undefined;

  constructor(
    /** Shown while a reset is scheduled, hidden otherwise. */
    private readonly box: HTMLElement,
    /** A `<time>` element: the time left as text, the instant as its `datetime`. */
    private readonly time: HTMLTimeElement,
  ) {}

  /** Counts down to `nextReset` (ISO 8601), or hides the countdown when it is null. */
  show(nextReset: string | null, onReset: () => void): void {
    this.stop();
    const at = nextReset === null ? Number.NaN : Date.parse(nextReset);
    if (Number.isNaN(at)) {
      this.box.hidden = true;
      return;
    }
    this.resetAt = at;
    this.onReset = onReset;
    this.time.dateTime = new Date(at).toISOString();
    this.box.hidden = false;
    this.tick();
  }

  /** Stops counting (the countdown keeps what it shows). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.onReset = undefined;
  }

  private tick(): void {
    const left = this.resetAt - Date.now();
    this.time.textContent = formatRemaining(left);
    if (left > 0) {
      // The next tick when the next whole second has passed: the text changes on time.
      this.timer = setTimeout(() => this.tick(), left % SECOND_MS || SECOND_MS);
      return;
    }
    const reset = this.onReset;
    this.stop();
    reset?.();
  }
}
