/**
 * Several events race to settle one promise (a log line, an exit, a timeout): the first
 * outcome given runs, the later ones are ignored, and the timeout is cancelled.
 */
export class FirstOutcome {
  private done = false;
  private readonly timer: NodeJS.Timeout;

  /** `onTimeout` is the outcome when nothing else came within `ms`. */
  constructor(ms: number, onTimeout: () => void) {
    this.timer = setTimeout(() => this.settle(onTimeout), ms);
  }

  get settled(): boolean {
    return this.done;
  }

  settle(outcome: () => void): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    outcome();
  }
}
