/**
 * The board picker (a labelled `<select>`, shown only when there is more than one board) and
 * the window tabs of the chosen board (a `tablist` of `tab` buttons with `aria-selected`, the
 * arrow keys, Home and End moving between them; shown only when the board keeps more than one
 * kind of window). Titles come from the server and are written as text.
 */
import type { BoardSummary, CurrentWindow, WindowKind } from '../client-sdk/src/index.js';

/** What the page shows: a board and one of its kinds of window. */
export interface Selection {
  readonly board: string;
  readonly window: WindowKind;
}

const KIND_LABELS: ReadonlyMap<WindowKind, string> = new Map([
  ['all', 'All time'],
  ['day', 'Today'],
  ['week', 'This week'],
  ['month', 'This month'],
  ['season', 'Season'],
]);

/** A tab's label: `Season 3` names the season in force. */
export function windowLabel(window: CurrentWindow): string {
  const label = KIND_LABELS.get(window.kind) ?? window.kind;
  if (window.kind !== 'season') return label;
  const number = window.key.slice('season:'.length);
  return number === '0' ? label : `${label} ${number}`;
}

/** Where a key moves from the selected tab (`current`), given the index of the last one. */
const KEY_MOVES: ReadonlyMap<string, (current: number, last: number) => number> = new Map([
  ['ArrowRight', (current: number, last: number) => (current >= last ? 0 : current + 1)],
  ['ArrowLeft', (current: number, last: number) => (current <= 0 ? last : current - 1)],
  ['Home', () => 0],
  ['End', (_current: number, last: number) => last],
]);

export class BoardNav {
  private boards: readonly BoardSummary[] = [];
  private selection: Selection | undefined;

  constructor(
    private readonly picker: HTMLElement,
    private readonly select: HTMLSelectElement,
    private readonly tabs: HTMLElement,
    /** The id of the element the tabs control (the table's panel). */
    private readonly panelId: string,
    private readonly onChoose: (selection: Selection) => void,
  ) {
    select.addEventListener('change', () => {
      const board = this.boards.find((b) => b.id === select.value);
      if (board) this.onChoose({ board: board.id, window: board.windows[0]?.kind ?? 'all' });
    });
    tabs.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Shows these boards, with `selection` chosen. */
  show(boards: readonly BoardSummary[], selection: Selection): void {
    this.boards = boards;
    this.selection = selection;
    const options = boards.map((board) => {
      const option = document.createElement('option');
      option.value = board.id;
      option.textContent = board.title;
      return option;
    });
    this.select.replaceChildren(...options);
    this.select.value = selection.board;
    this.picker.hidden = boards.length < 2;
    this.renderTabs(boards.find((b) => b.id === selection.board));
  }

  private renderTabs(board: BoardSummary | undefined): void {
    const windows = board?.windows ?? [];
    const hadFocus = this.tabs.contains(document.activeElement);
    const tabs = windows.map((window) => {
      const tab = document.createElement('button');
      const selected = window.kind === this.selection?.window;
      tab.type = 'button';
      tab.id = `tab-${window.kind}`;
      tab.className = 'tab';
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', String(selected));
      tab.setAttribute('aria-controls', this.panelId);
      tab.tabIndex = selected ? 0 : -1;
      tab.dataset.window = window.kind;
      tab.textContent = windowLabel(window);
      tab.addEventListener('click', () => {
        if (board && !selected) this.onChoose({ board: board.id, window: window.kind });
      });
      return tab;
    });
    this.tabs.replaceChildren(...tabs);
    this.tabs.hidden = tabs.length < 2;
    // The panel is named by its tab, or by the heading while there are no tabs to show.
    const selected = this.tabs.hidden ? undefined : tabs.find((tab) => tab.tabIndex === 0);
    document.getElementById(this.panelId)?.setAttribute('aria-labelledby', selected?.id ?? 'title');
    // The tabs were drawn anew: the focus stays on the tab chosen.
    if (hadFocus) selected?.focus();
  }

  /** Left/Right (wrapping), Home and End move to another tab and choose it. */
  private onKey(event: KeyboardEvent): void {
    const move = KEY_MOVES.get(event.key);
    if (!move) return;
    const tabs = Array.from(this.tabs.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
    const current = tabs.findIndex((tab) => tab.getAttribute('aria-selected') === 'true');
    const next = move(current, tabs.length - 1);
    if (next === current) return;
    event.preventDefault();
    tabs[next]?.click();
  }
}
