import { SEASONS_MAX, type WindowDefinition } from '../../shared/boards.js';
import { GLOBAL_BOARD_ID, withSeasonStarts, type Board } from '../domain/board.js';
import { refuse, type Refusal } from '../domain/refusal.js';
import type { Result } from '../domain/result.js';
import type { ScoreRules } from '../domain/score-rules.js';
import type { Logger } from '../observability/logger.js';
import {
  StorageUnavailableError,
  type BoardStore,
  type SeasonChange,
  type SeasonStart,
  type StoredBoard,
} from '../storage/storage.js';
import {
  boardFromDefinition,
  checkedBoardSchema,
  definitionOf,
  fieldPath,
  issueLine,
} from './board-definition.js';
import { BOARD_FILE_MAX_BOARDS, BoardFileError, boardFileLine, type BoardFile } from './board-file.js';
import {
  archivedBoard,
  boardChangedMeanwhile,
  BOARDS_UNAVAILABLE,
  boardIdTaken,
  GLOBAL_NOT_ARCHIVABLE,
  noSeasonWindow,
  openBoardsFull,
  seasonsFull,
  unknownBoard,
} from './board-refusals.js';
import { globalBoard, globalEntryOf, globalEntrySchema } from './global-board.js';

/**
 * Most boards that are not archived (`global` among them): as many as a board file declares at
 * most, and what bounds the public list of boards (`GET /boards`). An admin archives one to
 * create another beyond it.
 */
export const OPEN_BOARDS_MAX = BOARD_FILE_MAX_BOARDS;

/** A board as held: the stored text it was built from, so an unchanged row keeps its object. */
interface Entry {
  readonly definition: string;
  readonly archived: boolean;
  readonly board: Board;
}

/** Told of the boards that are new or changed (new objects) after each reload. */
export type BoardsListener = (changed: readonly Board[]) => void;

/** What the database keeps of a board: its definition's JSON (`global`'s without its rules). */
function definitionText(board: Board): string {
  return JSON.stringify(board.id === GLOBAL_BOARD_ID ? globalEntryOf(board) : definitionOf(board));
}

/** One line about a board as the database holds it (a row this code did not write). */
function storedRowError(id: string, problem: string): Error {
  return new Error(`Board ${JSON.stringify(id)} as stored in the database cannot be used: ${problem}`);
}

/** Whether `prefix` begins `list`. */
function startsWith(list: readonly number[], prefix: readonly number[]): boolean {
  return prefix.length <= list.length && prefix.every((value, i) => list[i] === value);
}

/**
 * Every board this instance serves: those of the board file (applied at start) and those
 * admins created, all kept in the database so every instance has the same ones. Boards are
 * immutable objects, the same object for as long as the board does not change: schedules
 * key memo caches (board-windows.ts). Changes made elsewhere arrive through `refresh()`.
 */
export class BoardRegistry {
  private entries = new Map<string, Entry>();
  private revision = 0;
  private readonly listeners = new Set<BoardsListener>();
  /** Changes run one at a time (a reload never interleaves with a create). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: BoardStore,
    private readonly globalRules: ScoreRules,
    private readonly logger: Pick<Logger, 'info'> | undefined,
  ) {}

  /**
   * Applies the board file to the database (writing only what differs: starting twice writes
   * nothing), makes `global` if there is none, then loads every stored board. Throws one line
   * when the file asks for what cannot be: another order or operator for a board with scores,
   * a list of season starts that drops ones the database holds.
   */
  static async open(
    store: BoardStore,
    globalRules: ScoreRules,
    file?: BoardFile,
    logger?: Pick<Logger, 'info'>,
  ): Promise<BoardRegistry> {
    const registry = new BoardRegistry(store, globalRules, logger);
    await registry.apply(file);
    await registry.reload();
    return registry;
  }

  /** The board, archived or not; undefined when there is none by that id. */
  get(id: string): Board | undefined {
    return this.entries.get(id)?.board;
  }

  /** Every board, archived ones included, by id. */
  list(): Board[] {
    return [...this.entries.values()].map((entry) => entry.board);
  }

  /** The board to read, or the refusal of an unknown id. */
  readable(id: string): Result<Board> {
    const board = this.get(id);
    return board ? { ok: true, value: board } : { ok: false, refusal: unknownBoard(id) };
  }

  /** The board to write, or the refusal of an unknown or archived one. */
  writable(id: string): Result<Board> {
    const found = this.readable(id);
    if (found.ok && !isWritable(found.value)) return { ok: false, refusal: archivedBoard(id) };
    return found;
  }

  /** Calls `listener` after each change to the boards; returns what stops it. */
  onChange(listener: BoardsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reloads the boards when the database's revision moved (a board created or archived by
   * another instance); resolves with whether any board changed. Followers call it.
   */
  refresh(): Promise<boolean> {
    return this.serially(() => this.refreshNow());
  }

  /**
   * Creates a board from a definition (`admin.createBoard`'s input). Refused when the input is
   * not a board, its id is taken (by any board, archived ones too), or OPEN_BOARDS_MAX boards
   * are not archived.
   */
  create(input: unknown, by: string): Promise<Result<Board>> {
    const parsed = checkedBoardSchema.safeParse(input);
    if (!parsed.success)
      return Promise.resolve(refused(refuse('invalid_input', issueLine(parsed.error.issues))));
    const definition = parsed.data;
    return this.serially(() =>
      this.change(async () => {
        await this.refreshNow();
        if (definition.id === GLOBAL_BOARD_ID || this.entries.has(definition.id))
          return refused(boardIdTaken(definition.id));
        if (this.list().filter(isWritable).length >= OPEN_BOARDS_MAX)
          return refused(openBoardsFull(OPEN_BOARDS_MAX));
        await this.store.put(definition.id, definitionText(boardFromDefinition(definition)), false);
        await this.reload();
        this.logger?.info({ event: 'board_created', board: definition.id, by }, 'board created');
        return { ok: true, value: this.get(definition.id)! };
      }),
    );
  }

  /** Archives a board: it keeps its scores and can be read, and takes no more writes. */
  archive(id: string, by: string): Promise<Result<Board>> {
    return this.serially(() =>
      this.change(async () => {
        await this.refreshNow();
        const entry = this.entries.get(id);
        if (entry === undefined) return refused(unknownBoard(id));
        if (id === GLOBAL_BOARD_ID) return refused(GLOBAL_NOT_ARCHIVABLE);
        if (entry.archived) return { ok: true, value: entry.board };
        await this.store.put(id, entry.definition, true);
        await this.reload();
        this.logger?.info({ event: 'board_archived', board: id, by }, 'board archived');
        return { ok: true, value: this.get(id)! };
      }),
    );
  }

  /**
   * Starts the next season of a board that keeps a `season` window: `start` (the storage's
   * AdminStore.startSeason) appends its commit instant to the board's season starts, in the
   * transaction that ledgers and audits it. Refused for an unknown board, an archived one, one
   * without seasons, or one another instance changed meanwhile (nothing is done then).
   */
  startSeason(
    id: string,
    start: (change: SeasonChange) => Promise<SeasonStart | null>,
    by: string,
  ): Promise<Result<SeasonStart>> {
    return this.serially(() =>
      this.change(async () => {
        await this.refreshNow();
        const entry = this.entries.get(id);
        if (entry === undefined) return refused(unknownBoard(id));
        if (entry.archived) return refused(archivedBoard(id));
        const spec = entry.board.windows.get('season');
        if (spec?.kind !== 'season') return refused(noSeasonWindow(id));
        if (spec.seasons.length >= SEASONS_MAX) return refused(seasonsFull(id, SEASONS_MAX));
        const started = await start({
          boardId: id,
          expected: entry.definition,
          next: (now) => {
            // Strictly after the last start, should this clock be behind it.
            const seasons = [...spec.seasons, Math.max(now, (spec.seasons.at(-1) ?? -1) + 1)];
            return { definition: definitionText(withSeasonStarts(entry.board, seasons)), seasons };
          },
        });
        await this.reload();
        if (!started) return refused(boardChangedMeanwhile(id));
        this.logger?.info(
          { event: 'season_started', board: id, season: started.season, started_at: started.startedAt, by },
          'season started',
        );
        return { ok: true, value: started };
      }),
    );
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Runs an admin's change; a database that cannot store it is a 503, nothing changed. */
  private async change<T>(work: () => Promise<Result<T>>): Promise<Result<T>> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StorageUnavailableError) return refused(BOARDS_UNAVAILABLE);
      throw error;
    }
  }

  private async refreshNow(): Promise<boolean> {
    if ((await this.store.revision()) === this.revision) return false;
    return this.reload();
  }

  /** Loads every stored board, keeping the objects of those that did not change. */
  private async reload(): Promise<boolean> {
    const rows = await this.store.list();
    const entries = new Map<string, Entry>();
    const changed: Board[] = [];
    let revision = 0;
    for (const row of [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      revision = Math.max(revision, row.revision);
      const held = this.entries.get(row.id);
      if (held && held.definition === row.definition && held.archived === row.archived) {
        entries.set(row.id, held);
        continue;
      }
      const board = this.boardOf(row);
      entries.set(row.id, { definition: row.definition, archived: row.archived, board });
      changed.push(board);
    }
    this.entries = entries;
    this.revision = revision;
    if (changed.length > 0) for (const listener of this.listeners) listener(changed);
    return changed.length > 0;
  }

  /** The board a stored row declares; `global` takes its rules from this instance's environment. */
  private boardOf(row: StoredBoard): Board {
    let json: unknown;
    try {
      json = JSON.parse(row.definition);
    } catch (error) {
      throw storedRowError(row.id, `its definition is not JSON (${(error as Error).message})`);
    }
    if (row.id === GLOBAL_BOARD_ID) {
      const parsed = globalEntrySchema.safeParse(json);
      if (!parsed.success) throw storedRowError(row.id, issueLine(parsed.error.issues));
      return globalBoard(this.globalRules, parsed.data);
    }
    const parsed = checkedBoardSchema.safeParse(json);
    if (!parsed.success) throw storedRowError(row.id, issueLine(parsed.error.issues));
    if (parsed.data.id !== row.id) throw storedRowError(row.id, `its definition is of ${parsed.data.id}`);
    return boardFromDefinition(parsed.data, row.archived);
  }

  /** Writes what the file declares that the database does not hold yet, and `global` if missing. */
  private async apply(file: BoardFile | undefined): Promise<void> {
    const stored = new Map((await this.store.list()).map((row) => [row.id, row]));
    const held = (id: string) => {
      const row = stored.get(id);
      return row && { row, board: this.boardOf(row) };
    };
    const line = (id: string, problem: string) =>
      new BoardFileError(boardFileLine(file?.source ?? '', `board ${JSON.stringify(id)}`, problem));

    const global = held(GLOBAL_BOARD_ID);
    if (file?.global || !global) {
      const windows = this.withStoredSeasons(file?.global?.windows ?? [], global?.board, (p) =>
        line(GLOBAL_BOARD_ID, p),
      );
      const entry = file?.global && { ...file.global, windows };
      await this.put(globalBoard(this.globalRules, entry), global?.row);
    }
    for (const definition of file?.boards ?? []) {
      const current = held(definition.id);
      const windows = this.withStoredSeasons(definition.windows, current?.board, (p) =>
        line(definition.id, p),
      );
      const board = boardFromDefinition({ ...definition, windows });
      if (current) await this.refuseKindChange(board, current.board, (p) => line(definition.id, p));
      await this.put(board, current?.row);
    }
  }

  /** Stores the board unless the database holds exactly it; an archived board stays archived. */
  private async put(board: Board, row: StoredBoard | undefined): Promise<void> {
    const text = definitionText(board);
    if (row?.definition !== text) await this.store.put(board.id, text, row?.archived ?? false);
  }

  /** A board's order and operator say what its stored scores mean: fixed once it has any. */
  private async refuseKindChange(
    board: Board,
    current: Board,
    error: (problem: string) => Error,
  ): Promise<void> {
    for (const field of ['order', 'operator'] as const) {
      if (board[field] === current[field]) continue;
      if (await this.store.hasScores(board.id))
        throw error(
          `${field}: cannot change from ${current[field]} to ${board[field]}: the board has scores ` +
            '(declare a board under a new id instead)',
        );
    }
  }

  /**
   * The file's windows with the database's season starts where the file gives none or fewer
   * (seasons are started by admins: a file written before keeps them). A file that lists
   * more must begin with those the database holds; one that contradicts them is refused.
   */
  private withStoredSeasons(
    windows: readonly WindowDefinition[],
    current: Board | undefined,
    error: (problem: string) => Error,
  ): WindowDefinition[] {
    const stored = current?.windows.get('season');
    const starts = stored?.kind === 'season' ? stored.seasons : [];
    return windows.map((window, i) => {
      if (window.kind !== 'season') return window;
      const listed = window.season_starts ?? [];
      if (startsWith(starts, listed)) return { ...window, season_starts: [...starts] };
      if (!startsWith(listed, starts))
        throw error(
          `${fieldPath(['windows', i, 'season_starts'])}: the database holds season starts ${JSON.stringify(starts)}, ` +
            'which this list contradicts (list them first, or leave season_starts out to keep them)',
        );
      return window;
    });
  }
}

/** Whether a board takes writes (an archived one does not). */
export function isWritable(board: Board): boolean {
  return !board.archived;
}

function refused(refusal: Refusal): Result<never> {
  return { ok: false, refusal };
}
