import { withSeasonStarts, type Board } from '../domain/board.js';

/**
 * The season starts a writer knows the database to hold beyond those of the boards it is
 * handed. A write carries its board as it was when the request came in; a season an admin
 * started meanwhile is not in it, yet a write that commits after the start counts in the new
 * season. The writer learns the stored starts (from its own season starts, or from the
 * database when a commit finds a season it was not judged with) and judges with them.
 *
 * Starts learnt inside a transaction are staged: they count for the rest of it, and are kept
 * once it commits or dropped if it rolls back.
 */
export class SeasonStarts {
  private readonly known = new Map<string, readonly number[]>();
  private readonly staged = new Map<string, readonly number[]>();
  /** The board with the starts learnt, per board handed in, while those are the latest. */
  private readonly copies = new WeakMap<Board, Board>();

  /** Learns a board's stored starts from a committed change. */
  learn(boardId: string, seasons: readonly number[]): void {
    this.stage(boardId, seasons);
    this.keep();
  }

  /** Learns a board's starts inside a transaction not committed yet. */
  stage(boardId: string, seasons: readonly number[]): void {
    this.staged.set(boardId, seasons);
  }

  /** The transaction committed: what it staged is known. */
  keep(): void {
    for (const [boardId, seasons] of this.staged) this.known.set(boardId, seasons);
    this.staged.clear();
  }

  /** The transaction rolled back: what it staged is forgotten. */
  drop(): void {
    this.staged.clear();
  }

  /**
   * The board as the database holds it: `board` itself unless more of its seasons have started
   * than it lists, else a copy with every start (the same copy while no other season starts).
   */
  current(board: Board): Board {
    if (this.known.size === 0 && this.staged.size === 0) return board;
    const seasons = this.staged.get(board.id) ?? this.known.get(board.id);
    const spec = board.windows.get('season');
    if (!seasons || spec?.kind !== 'season' || seasons.length <= spec.seasons.length) return board;
    const copy = this.copies.get(board);
    const held = copy?.windows.get('season');
    if (copy && held?.kind === 'season' && held.seasons === seasons) return copy;
    const fresh = withSeasonStarts(board, seasons);
    this.copies.set(board, fresh);
    return fresh;
  }
}
