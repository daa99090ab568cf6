/**
 * The scoreboard page served at `/`: a board picker, window tabs, a countdown to the next
 * reset and the live top N of the chosen board and window, through the client SDK. What the
 * page shows is in its address (see page-url.ts).
 */
import {
  createScoreboardClient,
  type BoardSummary,
  type ConnectionState,
  type WindowInfo,
} from '../client-sdk/src/index.js';
import { BoardNav, type Selection } from './board-nav.js';
import { watchBoard } from './board-feed.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { Countdown } from './countdown.js';
import { readLimit, readSelection, readTitle, writeSelection } from './page-url.js';
import { ScoreTable } from './score-table.js';

/** How long to wait before reading the boards again while a reset is due but not yet served. */
const RESET_RETRY_MS = 2000;
/** How many times: then the page waits for the server's snapshot of the next window. */
const RESET_RETRIES = 3;
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

let boards: readonly BoardSummary[] = [];
let selection: Selection | undefined;
/** The window of the last snapshot of the selection (undefined until one arrived). */
let shownWindow: WindowInfo | undefined;
let stopFeed = (): void => {};
/** Reads of the boards in a row that still named an ended window (a clock ahead of the server's). */
let earlyReads = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
/** The live connection's state, as the client last said. */
let socketState: ConnectionState = 'connecting';

const client = createScoreboardClient({
  url: location.origin,
  onConnectionStateChange(state) {
    socketState = state;
    indicator.set(state);
  },
});

function showTitle(board: BoardSummary | undefined): void {
  // A board without a title of its own (its title is its id) is shown as the page's name.
  const title = fixedTitle ?? (board && board.title !== board.id ? board.title : 'Scoreboard');
  titleEl.textContent = title;
  document.title = title;
}

/** The window of the selection as the list of boards names it. */
function listedWindow(current: Selection) {
  return boards.find((b) => b.id === current.board)?.windows.find((w) => w.kind === current.window);
}

/**
 * Counts down to the next reset of the window shown: the later of what the last snapshot and
 * the list of boards say (either may be the first to know of a new window).
 */
function startCountdown(): void {
  if (!selection) return;
  const resets = [shownWindow?.next_reset, listedWindow(selection)?.next_reset]
    .filter((at): at is string => typeof at === 'string')
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const nextReset = resets.at(-1) ?? null;
  countdown.show(nextReset, () => {
    // The server rolls the window over by itself and pushes the next one's snapshot; the list
    // of boards is read again for the new window's name. A clock ahead of the server's reads
    // the ended window again: a few more tries, then the server's push does it.
    clearTimeout(retryTimer);
    if (earlyReads === 0) void refresh();
    else if (earlyReads <= RESET_RETRIES) retryTimer = setTimeout(() => void refresh(), RESET_RETRY_MS);
  });
}

/** Shows another board or window: the address, the nav, the heading, and a new subscription. */
function show(next: Selection): void {
  selection = next;
  shownWindow = undefined;
  earlyReads = 0;
  writeSelection(next);
  nav.show(boards, next);
  showTitle(boards.find((b) => b.id === next.board));
  startCountdown();
  stopFeed();
  table.clear('Waiting for scores…');
  indicator.showing(false);
  let first = true;
  stopFeed = watchBoard(client, next, limit, {
    snapshot(snapshot) {
      if (selection !== next) return;
      table.render(snapshot.entries, String(snapshot.version), !first);
      first = false;
      indicator.showing(true);
      indicator.set(socketState); // no longer an error, if it was one
      const changed = snapshot.window.key !== shownWindow?.key;
      shownWindow = snapshot.window;
      if (!changed) return;
      earlyReads = 0;
      startCountdown();
      // A window the list does not know yet (a reset): read the list again for its name.
      if (listedWindow(next)?.key !== snapshot.window.key) void refresh();
    },
    failed() {
      if (selection === next) indicator.set('error');
    },
  });
}

function choose(next: Selection): void {
  if (next.board === selection?.board && next.window === selection.window) return;
  show(next);
}

/** Reads the list of boards again: the nav and the countdown follow it. */
async function refresh(): Promise<void> {
  let listed: readonly BoardSummary[];
  try {
    listed = await client.boards();
  } catch (error) {
    console.warn('scoreboard: could not read the boards', error);
    return;
  }
  boards = listed;
  const current = selection && readSelection(new URLSearchParams(location.search), boards);
  if (!current) return;
  if (current.board !== selection?.board || current.window !== selection.window) return show(current);
  const nextReset = listedWindow(current)?.next_reset;
  earlyReads = nextReset && Date.parse(nextReset) <= Date.now() ? earlyReads + 1 : 0;
  nav.show(boards, current);
  showTitle(boards.find((b) => b.id === current.board));
  startCountdown();
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
  if (first) show(first);
}

void start();
