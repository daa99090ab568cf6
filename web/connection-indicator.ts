/**
 * The indicator of the live connection: Connecting…, Live, Reconnecting…, Disconnected, or,
 * for a board read without a live feed, Updated at each reset. It says live only once the page
 * has a board to show: an open socket without a snapshot is still connecting.
 */
import type { ConnectionState } from '../client-sdk/src/index.js';

export type IndicatorState = ConnectionState | 'error' | 'static';

const STATE_TEXT: ReadonlyMap<IndicatorState, string> = new Map([
  ['idle', 'Connecting…'],
  ['connecting', 'Connecting…'],
  ['live', 'Live'],
  ['reconnecting', 'Reconnecting…'],
  ['error', 'Disconnected'],
  ['static', 'Not live'],
]);

export class ConnectionIndicator {
  private connection: IndicatorState = 'connecting';
  private shown: boolean = false;

  constructor(
    private readonly box: HTMLElement,
    private readonly text: HTMLElement,
  ) {}

  /** What the connection says now. */
  set(state: IndicatorState): void {
    this.connection = state;
    this.draw();
  }

  /** Whether the page shows a board (a first snapshot or read arrived); until then, connecting. */
  showing(shown: boolean): void {
    this.shown = shown;
    this.draw();
  }

  private draw(): void {
    const state = this.connection === 'live' && !this.shown ? 'connecting' : this.connection;
    this.box.dataset.state = state;
    document.body.dataset.connection = state;
    this.text.textContent = STATE_TEXT.get(state) ?? '';
  }
}
