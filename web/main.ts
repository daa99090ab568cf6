/**
 * The scoreboard page served at `/`: a board picker, window tabs, a countdown to the next
 * reset and the table of the top N of the chosen board and window, kept current through the
 * client SDK. What the page shows is in its address (see page-url.ts).
 */
import { createScoreboardClient, type BoardSummary, type ConnectionState } from '../client-sdk/src/index.js';
import { BoardNav, type Selection } from './board-nav.js';
import { watchBoard, isLive, type BoardView } from './board-feed.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { Countdown } from './countdown.js';
import { readLimit, readSelection, readTitle, writeSelection } from './page-url.js';
import { ScoreTable } from './score-table.js';

/** How long to wait before reading the boards again when a reset is due but not yet served. */
const RESET_RETRY_MS = 2000;
const RETRY_AFTER_ERROR_MS = 5000;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`scoreboard page: missing #${id}`);
  return found as T;
}

const params = new URLSearchParams(location.search);
const limit = readLimit(params);
const fixedTitle = readTitle(params);

const titleEl = element<HTMLHeadingElement>('title');
const indicator = new ConnectionIndicator(element('connection'), element('connection-text'));
const table = new ScoreTable(element('rows'), element('empty'));
const countdown = new Countdown(element('countdown'), element('countdown-time'));
const nav = new BoardNav(element('board-picker'), element('board'), element('windows'), 'panel', choose);

/** The live connection's state, as the client last said. */
let socketState: ConnectionState = 'connecting';
let boards: readonly BoardSummary[] = [];
let selection: Selection | undefined;
let stopFeed = (): void => {};
/** Whether the feed now running is the live one (the socket's states are the indicator's). */
let liveFeed = false;
/** Whether the table shows the current selection: a view arrived since it was chosen. */
let shown = false;
/** Resets in a row whose window was still in force when read again (a clock ahead of the server's). */
let earlyResets = 0;

const client = createScoreboardClient({
  url: location.origin,
  onConnectionStateChange(state) {
    socketState = state;
    if (liveFeed) indicator.set(state);
  },
});

function showTitle(board: BoardSummary | undefined): void {
  // A board without a title of its own (its title is its id) is shown as the page's name.
  const title = fixedTitle ?? (board && board.title !== board.id ? board.title : 'Scoreboard');
  titleEl.textContent = title;
  document.title = title;
}

/** The next reset of the chosen window, as the list of boards (or a read of it) says. */
function nextResetOf(current: Selection, view?: BoardView): string | null {
  if (view?.window) return view.window.next_reset;
  const board = boards.find((b) => b.id === current.board);
  return board?.windows.find((w) => w.kind === current.window)?.next_reset ?? null;
}

function startCountdown(current: Selection, view?: BoardView): void {
  const nextReset = nextResetOf(current, view);
  countdown.show(nextReset, () => {
    // The server rolls the window over by itself: read the boards and the board again. A clock
    // ahead of the server's may get the ended window once more; then wait a little each time.
    if (earlyResets > 0) setTimeout(() => void refresh(), RESET_RETRY_MS);
    else void refresh();
  });
}

/** Shows the selection: the address, the nav, the heading, the countdown and a new feed. */
function show(next: Selection, { keepRows }: { keepRows: boolean }): void {
  selection = next;
  writeSelection(next);
  nav.show(boards, next);
  showTitle(boards.find((b) => b.id === next.board));
  startCountdown(next);
  stopFeed();
  shown = keepRows;
  if (!keepRows) table.clear('Waiting for scores…');
  indicator.showing(shown);
  liveFeed = isLive(next);
  if (liveFeed) indicator.set(socketState);
  stopFeed = watchBoard(client, next, limit, {
    view(view) {
      if (selection !== next) return;
      const first = !shown;
      shown = true;
      table.render(view.entries, view.version, !first);
      indicator.showing(true);
      if (liveFeed) indicator.set(socketState);
      if (view.window) startCountdown(next, view);
    },
    state(state) {
      if (selection === next) indicator.set(state);
    },
  });
}

function choose(next: Selection): void {
  if (next.board === selection?.board && next.window === selection.window) return;
  show(next, { keepRows: false });
}

/** Reads the list of boards again and the chosen board with it (at a reset). */
async function refresh(): Promise<void> {
  try {
    boards = await client.boards();
  } catch (error) {
    console.warn('scoreboard: could not read the boards; retrying', error);
    setTimeout(() => void refresh(), RETRY_AFTER_ERROR_MS);
    return;
  }
  const next = readSelection(new URLSearchParams(location.search), boards);
  const nextReset = next && nextResetOf(next);
  earlyResets = nextReset && Date.parse(nextReset) <= Date.now() ? earlyResets + 1 : 0;
  if (next) show(next, { keepRows: next.board === selection?.board && next.window === selection.window });
}

async function start(): Promise<void> {
  indicator.set('connecting');
  showTitle(undefined);
  try {
    boards = await client.boards();
  } catch (error) {
    console.warn('scoreboard: could not read the boards; retrying', error);
    indicator.set('error');
    setTimeout(() => void start(), RETRY_AFTER_ERROR_MS);
    return;
  }
  const first = readSelection(params, boards);
  if (first) show(first, { keepRows: false });
}

void start();
