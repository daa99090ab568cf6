import type { RecordSink, WindowRef } from '../storage/storage.js';
import type { WindowView } from './window-view.js';

/** One window's rows as they arrive, column by column. */
interface Filling {
  readonly view: WindowView;
  readonly users: string[];
  readonly scores: number[];
  readonly seqs: number[];
}

/**
 * Fills the views of a reload as the store streams their windows (ScoreStore.windows): each
 * window's rank index is built once its rows are in, so no more than one window's rows are held
 * beside the indexes, and as columns, not objects. A user's id is one string on each board: the
 * first window read of a board (`all`, which every user of the board is in) lends its strings
 * to the board's other windows, where the same users appear again.
 */
export class WindowLoad {
  private filling: Filling | undefined;
  /** The first view of the board being read, whose user ids the later windows reuse. */
  private first: { boardId: string; view: WindowView } | undefined;

  constructor(
    /** The view of each window, by the same WindowRef objects the store is given. */
    private readonly views: ReadonlyMap<WindowRef, WindowView>,
  ) {}

  /** The sink of the next window (for ScoreStore.windows); builds the one before. */
  readonly open = (ref: WindowRef): RecordSink => {
    this.finish();
    const view = this.views.get(ref);
    if (!view) throw new Error(`no view for window ${ref.windowKey} of board ${ref.boardId}`);
    const filling: Filling = { view, users: [], scores: [], seqs: [] };
    this.filling = filling;
    const { users, scores, seqs } = filling;
    const names = this.first?.boardId === ref.boardId ? this.first.view.index : undefined;
    if (!names) this.first = { boardId: ref.boardId, view };
    return (userId, score, reachedSeq) => {
      users.push(names?.idOf(userId) ?? userId);
      scores.push(score);
      seqs.push(reachedSeq);
    };
  };

  /** Builds the last window's index; call once the store has resolved. */
  finish(): void {
    if (!this.filling) return;
    const { view, users, scores, seqs } = this.filling;
    this.filling = undefined;
    view.index.loadColumns(users, scores, seqs);
  }
}
