import type { ScoreRecord } from '../domain/score-record.js';
import type { RecordSink, WindowRef } from '../storage/storage.js';
import type { WindowView } from './window-view.js';

/**
 * Fills the views of a reload as the store streams their windows (ScoreStore.windows): each
 * window's rank index is built once its rows are in, so no more than one window's list of
 * records is held beside the indexes. A user's id is one string on each board: the first window
 * read of a board (`all`, which every user of the board is in) lends its strings to the
 * board's other windows, where the same user appears again.
 */
export class WindowLoad {
  private filling: { view: WindowView; records: ScoreRecord[] } | undefined;
  /** The first view of the board being read, whose user ids the later windows reuse. */
  private first: { boardId: string; view: WindowView } | undefined;

  constructor(
    /** The view of each window, by the same WindowRef objects the store is given. */
    private readonly views: ReadonlyMap<WindowRef, WindowView>,
  ) {}

  /** The sink of the next window (for ScoreStore.windows); builds the one before. */
  readonly open = (ref: WindowRef): RecordSink => {
    this.finish();
    const view = this.views.get(ref)!;
    const records: ScoreRecord[] = [];
    this.filling = { view, records };
    const names = this.first?.boardId === ref.boardId ? this.first.view.index : undefined;
    if (!names) this.first = { boardId: ref.boardId, view };
    if (!names) return (userId, score, reachedSeq) => records.push({ userId, score, reachedSeq });
    return (userId, score, reachedSeq) =>
      records.push({ userId: names.get(userId)?.userId ?? userId, score, reachedSeq });
  };

  /** Builds the last window's index; call once the store has resolved. */
  finish(): void {
    if (!this.filling) return;
    const { view, records } = this.filling;
    this.filling = undefined;
    view.index.load(records);
  }
}
