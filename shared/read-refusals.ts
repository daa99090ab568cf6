// The words of a read's NOT_FOUND, shared by the server that answers it and the SDK that tells
// its causes apart (no imports: the SDK bundles this file).

const NO_SCORE = 'No score for user ';

/** A read of a user who has no score in the window (404, NOT_FOUND). */
export const noScoreMessage = (userId: string): string => `${NO_SCORE}${JSON.stringify(userId)}`;

/**
 * Whether a NOT_FOUND says that the user has no score, rather than that the board does not
 * exist (`No board "..."`): a mistake of the caller, not an empty answer.
 */
export const isNoScoreMessage = (message: string): boolean => message.startsWith(NO_SCORE);
