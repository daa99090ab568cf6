import { identifierSchema } from '../../shared/schemas.js';
import { refuse } from '../domain/refusal.js';

/** A user id in a path that is not one (malformed escapes, control characters, too long). */
export const BAD_USER_ID = refuse(
  'invalid_input',
  'user_id in the path must be 1 to 128 characters, URL-encoded',
);

/**
 * The user of `/leaderboard/users/{user_id}[/around]`, from the rest of the path after
 * `/leaderboard/users/`. The id is one URL-encoded segment (a `/` in it is `%2F`).
 */
export function userPath(rest: string): { userId: string; around: boolean } | undefined {
  const [encoded, tail, ...more] = rest.split('/');
  if (encoded === undefined || more.length > 0 || (tail !== undefined && tail !== 'around')) return undefined;
  let userId: string;
  try {
    userId = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  return identifierSchema.safeParse(userId).success ? { userId, around: tail === 'around' } : undefined;
}
