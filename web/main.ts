/**
 * The live scoreboard page served at `/`: subscribes to `leaderboard.live` through the client
 * SDK and keeps a table of the top N in step with it. Every value from the server is written
 * with `textContent`, never parsed as HTML.
 *
 * Query parameters: `?limit=N` (1..100, default 10) and `?title=Text` (the heading).
 */
import {
  createScoreboardClient,
  isLiveConnectionError,
  type ConnectionState,
  type LeaderboardEntry,
  type LeaderboardSnapshot,
} from '../client-sdk/src/index.js';

const DEFAULT_LIMIT = 10;
const HIGHLIGHT_MS = 1600;
const RETRY_AFTER_ERROR_MS = 5000;

type IndicatorState = ConnectionState | 'error';

const STATE_TEXT: Record<IndicatorState, string> = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  error: 'Disconnected',
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`scoreboard page: missing #${id}`);
  return found as T;
}

function readLimit(params: URLSearchParams): number {
  const value = Number(params.get('limit'));
  return Number.isInteger(value) && value >= 1 && value <= 100 ? value : DEFAULT_LIMIT;
}

const params = new URLSearchParams(location.search);
const limit = readLimit(params);
const title = params.get('title')?.trim().slice(0, 80);

const titleEl = element<HTMLHeadingElement>('title');
const connectionEl = element<HTMLElement>('connection');
const connectionTextEl = element<HTMLElement>('connection-text');
const rowsEl = element<HTMLTableSectionElement>('rows');
const emptyEl = element<HTMLElement>('empty');

if (title) {
  titleEl.textContent = title;
  document.title = title;
}
emptyEl.textContent = 'Waiting for scores…';

const numberFormat = new Intl.NumberFormat();

/** What the connection says; the indicator shows it once the page has a board to show. */
let connection: IndicatorState = 'connecting';
/** No snapshot has arrived yet: nothing to highlight against, and not live yet. */
let firstSnapshot = true;

function showState(state: IndicatorState): void {
  connection = state;
  // An open socket is not a live board: until the first snapshot has arrived there is
  // nothing to be live about, so the page still says it is connecting.
  const shown = state === 'live' && firstSnapshot ? 'connecting' : state;
  connectionEl.dataset.state = shown;
  document.body.dataset.connection = shown;
  connectionTextEl.textContent = STATE_TEXT[shown];
}

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly rank: HTMLTableCellElement;
  readonly score: HTMLTableCellElement;
  value: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Rows by user id, reused between snapshots so that a running highlight is not cut short. */
const rows = new Map<string, Row>();

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

function render(snapshot: LeaderboardSnapshot): void {
  const seen = new Set<string>();
  const fragment = document.createDocumentFragment();
  for (const entry of snapshot.entries) {
    seen.add(entry.user_id);
    let row = rows.get(entry.user_id);
    const isNew = !row;
    if (!row) {
      row = createRow(entry);
      rows.set(entry.user_id, row);
    }
    const changed = isNew || row.value !== entry.score;
    row.rank.textContent = String(entry.rank);
    row.tr.dataset.rank = String(entry.rank);
    if (row.value !== entry.score) {
      row.value = entry.score;
      row.score.textContent = numberFormat.format(entry.score);
    }
    if (changed && !firstSnapshot) highlight(row);
    fragment.append(row.tr);
  }
  for (const [userId, row] of rows) {
    if (!seen.has(userId)) {
      clearTimeout(row.timer);
      rows.delete(userId);
    }
  }
  rowsEl.replaceChildren(fragment);
  emptyEl.textContent = 'No scores yet.';
  emptyEl.hidden = snapshot.entries.length > 0;
  rowsEl.dataset.version = String(snapshot.version);
  if (firstSnapshot) {
    firstSnapshot = false;
    showState(connection);
  }
}

const client = createScoreboardClient({
  url: location.origin,
  onConnectionStateChange: showState,
});

function watch(): void {
  let failed = false;
  const stop = client.watchLeaderboard({ limit }, render, (error) => {
    // The SDK retries a failing connection by itself, with backoff, and the indicator already
    // says "Reconnecting…": log it, once per outage, and keep the subscription.
    if (isLiveConnectionError(error)) {
      console.warn('scoreboard: live connection failing; retrying:', error.message);
      return;
    }
    if (failed) return;
    failed = true;
    console.warn('scoreboard: live updates stopped; retrying', error);
    showState('error');
    setTimeout(() => {
      stop();
      watch();
    }, RETRY_AFTER_ERROR_MS);
  });
}

showState('connecting');
watch();
