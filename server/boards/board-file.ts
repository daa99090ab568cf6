import { closeSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';
import { BOARD_ID_PATTERN, type BoardDefinition } from '../../shared/boards.js';
import { strictInput } from '../../shared/schemas.js';
import { GLOBAL_BOARD_ID } from '../domain/board.js';
import { checkedBoardSchema, issueLine } from './board-definition.js';
import { globalEntrySchema, type GlobalEntry } from './global-board.js';

/** Largest board file read. */
export const BOARD_FILE_MAX_BYTES = 1024 * 1024;
/** Most boards one file declares. */
export const BOARD_FILE_MAX_BOARDS = 1000;

/** The board file (BOARDS_FILE), read and checked. */
export interface BoardFile {
  /** The path as BOARDS_FILE gives it: every message about the file names it so. */
  readonly source: string;
  /** The entry of `global`, when the file has one (a title and more windows). */
  readonly global: GlobalEntry | undefined;
  /** Every other board, in the file's order. */
  readonly boards: readonly BoardDefinition[];
}

/** A board file that cannot be used; the message is one line naming the file, the board and the field. */
export class BoardFileError extends Error {
  override name = 'BoardFileError';
}

/** `BOARDS_FILE boards.json: board "daily" windows[1].zone: <what is wrong>` */
export function boardFileLine(source: string, board: string | undefined, problem: string): string {
  return `BOARDS_FILE ${source}: ${board === undefined ? '' : `${board} `}${problem}`;
}

const fileSchema = strictInput({
  boards: z
    .array(z.unknown(), { error: 'expects a list of boards: {"boards": [...]}' })
    .max(BOARD_FILE_MAX_BOARDS, {
      error: `more than ${BOARD_FILE_MAX_BOARDS} boards; a file holds at most that many`,
    }),
});

/** How a message names a board: by its id when it has a usable one, else by its place. */
function boardLabel(entry: unknown, index: number): string {
  const id =
    typeof entry === 'object' && entry !== null && Object.hasOwn(entry, 'id')
      ? (entry as { id: unknown }).id
      : undefined;
  return typeof id === 'string' && BOARD_ID_PATTERN.test(id)
    ? `board ${JSON.stringify(id)}`
    : `boards[${index}]`;
}

function fail(source: string, board: string | undefined, problem: string): never {
  throw new BoardFileError(boardFileLine(source, board, problem));
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return fail(source, undefined, `is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Checks the text of a board file; throws a BoardFileError at the first mistake. */
export function parseBoardFile(source: string, text: string): BoardFile {
  const file = fileSchema.safeParse(parseJson(source, text));
  if (!file.success) {
    const line = issueLine(file.error.issues);
    fail(source, undefined, line.startsWith('boards') ? line : `expects {"boards": [...]}: ${line}`);
  }
  let global: GlobalEntry | undefined;
  const boards: BoardDefinition[] = [];
  const seen = new Map<string, number>();
  file.data.boards.forEach((entry, index) => {
    const label = boardLabel(entry, index);
    if (label === `board ${JSON.stringify(GLOBAL_BOARD_ID)}`) {
      const parsed = globalEntrySchema.safeParse(entry);
      if (!parsed.success) fail(source, label, issueLine(parsed.error.issues));
      if (global !== undefined) fail(source, label, 'id: is declared twice');
      global = parsed.data;
      return;
    }
    const parsed = checkedBoardSchema.safeParse(entry);
    if (!parsed.success) fail(source, label, issueLine(parsed.error.issues));
    const earlier = seen.get(parsed.data.id);
    if (earlier !== undefined)
      fail(source, label, `id: is declared twice, as boards[${earlier}] and boards[${index}]`);
    seen.set(parsed.data.id, index);
    boards.push(parsed.data);
  });
  return { source, global, boards };
}

/** Reads at most BOARD_FILE_MAX_BYTES + 1 bytes: a larger file (or a device) is refused, not read whole. */
function readBounded(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(BOARD_FILE_MAX_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Reads and checks the board file at `path`; throws a BoardFileError (one line) when it cannot be used. */
export function readBoardFile(path: string): BoardFile {
  let bytes: Buffer;
  try {
    bytes = readBounded(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new BoardFileError(boardFileLine(path, undefined, `cannot be read (${code})`));
  }
  if (bytes.length > BOARD_FILE_MAX_BYTES)
    throw new BoardFileError(
      boardFileLine(path, undefined, `is larger than ${BOARD_FILE_MAX_BYTES / 1024 / 1024} MiB`),
    );
  return parseBoardFile(path, bytes.toString('utf8'));
}
