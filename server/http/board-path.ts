import { userPath } from './user-path.js';

/** A route under `/boards/{board}/`, and the board it names (checked by the procedure's schema). */
export type BoardRoute =
  | { readonly board: string; readonly kind: 'scores' | 'leaderboard' | 'users' }
  | {
      readonly board: string;
      readonly kind: 'user';
      readonly user: NonNullable<ReturnType<typeof userPath>>;
    };

/**
 * The route of the rest of a path after `/boards/`: `{board}/scores`, `{board}/leaderboard`,
 * `{board}/users`, `{board}/users/{user_id}[/around]`; undefined when it names none. The board
 * segment is taken as it is: a board id is a slug, and anything else is refused by the schema.
 */
export function boardPath(rest: string): BoardRoute | undefined {
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const board = rest.slice(0, slash);
  const tail = rest.slice(slash + 1);
  if (tail === 'scores' || tail === 'leaderboard' || tail === 'users') return { board, kind: tail };
  if (!tail.startsWith('users/')) return undefined;
  const user = userPath(tail.slice('users/'.length));
  return user ? { board, kind: 'user', user } : undefined;
}
