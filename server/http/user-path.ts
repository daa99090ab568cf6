import { TRPCError } from '@trpc/server';

/**
 * The user of `/leaderboard/users/{user_id}[/around]`, from the rest of the path after
 * `/leaderboard/users/`: one URL-encoded segment (a `/` in an id is `%2F`), or undefined when
 * the path names no such route. The id is decoded only when the input is read, after the read
 * budget, and checked by the procedure's schema like any other input.
 */
export function userPath(rest: string): { decodeUserId(): string; around: boolean } | undefined {
  const [encoded, tail, ...more] = rest.split('/');
  if (!encoded || more.length > 0 || (tail !== undefined && tail !== 'around')) return undefined;
  return {
    around: tail === 'around',
    decodeUserId() {
      try {
        return decodeURIComponent(encoded);
      } catch {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'user_id: is not a URL-encoded id' });
      }
    },
  };
}
