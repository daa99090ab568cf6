import { GLOBAL_BOARD_ID } from '../domain/board.js';
import { refuse, type Refusal } from '../domain/refusal.js';

/** A board id nobody declared. */
export function unknownBoard(id: string): Refusal {
  return refuse('not_found', `No board ${JSON.stringify(id)}`);
}

/** A write to a board an admin archived. */
export function archivedBoard(id: string): Refusal {
  return refuse('conflict', `Board ${JSON.stringify(id)} is archived: it can be read, not written`);
}

/** A new board under an id that is taken (archived boards keep theirs). */
export function boardIdTaken(id: string): Refusal {
  return id === GLOBAL_BOARD_ID
    ? refuse('conflict', 'The board global always exists; declare its windows in the board file')
    : refuse('conflict', `Board ${JSON.stringify(id)} already exists`);
}

/** A new board while the most boards that are not archived are. */
export function openBoardsFull(most: number): Refusal {
  return refuse(
    'conflict',
    `There are ${most} boards that are not archived, the most a server keeps; archive one first`,
  );
}

/** `global` is what `POST /update-score` writes. */
export const GLOBAL_NOT_ARCHIVABLE = refuse(
  'conflict',
  'The board global cannot be archived: POST /update-score writes it',
);

/** The database could not store a board change; nothing changed. */
export const BOARDS_UNAVAILABLE = refuse(
  'unavailable',
  'Storage is unavailable; the boards were not changed',
);

/** A season started on a board that has none. */
export function noSeasonWindow(id: string): Refusal {
  return refuse(
    'conflict',
    `Board ${JSON.stringify(id)} keeps no season window: declare one ({"kind": "season", "zone": "UTC"}) in the board file`,
  );
}

/** A board whose season list is full. */
export function seasonsFull(id: string, most: number): Refusal {
  return refuse(
    'conflict',
    `Board ${JSON.stringify(id)} has started ${most} seasons, the most a board keeps`,
  );
}

/** A season start that found the board changed by another instance since it was read. */
export function boardChangedMeanwhile(id: string): Refusal {
  return refuse(
    'conflict',
    `Board ${JSON.stringify(id)} changed while its season was being started (by another admin?); nothing was done, try again`,
  );
}
