/**
 * The table of the top N: rows kept by user id between renders, so that a running highlight
 * is not cut short, and a new or changed score highlighted. Every value from the server is
 * written with `textContent`, never parsed as HTML.
 */
import type { LeaderboardEntry } from '../client-sdk/src/index.js';

const HIGHLIGHT_MS = 1600;

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly rank: HTMLTableCellElement;
  readonly score: HTMLTableCellElement;
  value: number;
  timer?: ReturnType<typeof setTimeout>;
}

const numberFormat = new Intl.NumberFormat();

function createRow(entry: LeaderboardEntry): Row {
  const tr = document.createElement('tr');
  const rank = document.createElement('td');
  const user = document.createElement('td');
  const score = document.createElement('td');
  rank.className = 'col-rank';
  user.className = 'col-user';
  score.className = 'col-score';
  // Text only: a user id such as "<img src=x onerror=...>" stays literal text.
  user.textContent = entry.user_id;
  user.title = entry.user_id;
  tr.append(rank, user, score);
  return { tr, rank, score, value: Number.NaN };
}

function highlight(row: Row): void {
  row.tr.classList.remove('row--changed');
  void row.tr.offsetWidth; // restart the animation if it is still running
  row.tr.classList.add('row--changed');
  clearTimeout(row.timer);
  row.timer = setTimeout(() => row.tr.classList.remove('row--changed'), HIGHLIGHT_MS);
}

export class ScoreTable {
  /** Rows by user id. */
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly empty: HTMLElement,
  ) {}

  /**
   * Shows these entries. `highlight`: mark the rows that are new or changed since the last
   * render (not on the first one of a board).
   */
  render(entries: readonly LeaderboardEntry[], version: string, highlightChanges: boolean): void {
    const seen = new Set<string>();
    const fragment = document.createDocumentFragment();
    for (const entry of entries) {
      seen.add(entry.user_id);
      let row = this.rows.get(entry.user_id);
      const isNew = !row;
      if (!row) {
        row = createRow(entry);
        this.rows.set(entry.user_id, row);
      }
      const changed = isNew || row.value !== entry.score;
      row.rank.textContent = String(entry.rank);
      row.tr.dataset.rank = String(entry.rank);
      if (row.value !== entry.score) {
        row.value = entry.score;
        row.score.textContent = numberFormat.format(entry.score);
      }
      if (changed && highlightChanges) highlight(row);
      fragment.append(row.tr);
    }
    for (const [userId, row] of this.rows) {
      if (!seen.has(userId)) {
        clearTimeout(row.timer);
        this.rows.delete(userId);
      }
    }
    this.body.replaceChildren(fragment);
    this.empty.textContent = 'No scores yet.';
    this.empty.hidden = entries.length > 0;
    this.body.dataset.version = version;
  }

  /** Empties the table (another board or window is coming), saying `message` meanwhile. */
  clear(message: string): void {
    for (const row of this.rows.values()) clearTimeout(row.timer);
    this.rows.clear();
    this.body.replaceChildren();
    delete this.body.dataset.version;
    this.empty.textContent = message;
    this.empty.hidden = false;
  }
}
