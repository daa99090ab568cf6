import { z } from 'zod';
import { boardIdSchema, type BoardView } from '../../shared/boards.js';
import { strictInput } from '../../shared/schemas.js';
import { boardView, checkedBoardSchema } from '../boards/board-definition.js';
import type { Board } from '../domain/board.js';
import type { Result } from '../domain/result.js';
import { defineMutation, defineQuery } from './definition.js';
import { refusalError } from './procedure-errors.js';

function viewOrThrow(result: Result<Board>): BoardView {
  if (!result.ok) throw refusalError(result.refusal);
  return boardView(result.value);
}

/** `admin.createBoard`: a board as the board file declares one; CONFLICT when its id is taken. */
export const createBoard = defineMutation({
  access: 'admin',
  input: checkedBoardSchema,
  async resolve(ctx, input): Promise<BoardView> {
    return viewOrThrow(await ctx.deps.boards.create(input, ctx.principal.subject));
  },
});

/** `admin.listBoards`: every board, written out in full; archived ones unless left out. */
export const listBoards = defineQuery({
  access: 'admin',
  input: strictInput({ include_archived: z.boolean().default(true) }).prefault({}),
  resolve(ctx, input): { boards: BoardView[] } {
    const boards = ctx.deps.boards.list().filter((board) => input.include_archived || !board.archived);
    return { boards: boards.map(boardView) };
  },
});

/** `admin.archiveBoard`: the board keeps its scores and is read, and takes no more writes. */
export const archiveBoard = defineMutation({
  access: 'admin',
  input: strictInput({ id: boardIdSchema }),
  async resolve(ctx, input): Promise<BoardView> {
    return viewOrThrow(await ctx.deps.boards.archive(input.id, ctx.principal.subject));
  },
});
