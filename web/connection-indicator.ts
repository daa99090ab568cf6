/**
 * The indicator of the live connection: Connecting…, Live, Reconnecting…, Disconnected. It
 * says live only once the page has a board to show: an open socket without a snapshot of the
 * chosen board is still connecting.
 */
import type { ConnectionState } from '../client-sdk/src/index.js';

export type IndicatorState = ConnectionState | 'error';

const STATE_TEXT: ReadonlyMap<IndicatorState, string> = new Map([
  ['idle', 'Connecting…'],
  ['connecting', 'Connecting…'],
  ['live', 'Live'],
  ['reconnecting', 'Reconnecting…'],
  ['error', 'Disconnected'],
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

  /** Whether the page shows the chosen board (its first snapshot arrived); until then, connecting. */
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
