import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';

/** Properties that stay readable but are left out when the error is printed. */
const UNPRINTED = ['meta', 'shape'] as const;

/**
 * Keeps a `TRPCClientError` short when Node prints it (an uncaught refusal, `console.error`):
 * `meta` holds the whole fetch `Response` and `shape` repeats `data` and `message`, about a
 * hundred lines between them. Both stay readable (`error.meta`, `error.shape`), only
 * non-enumerable; `data` (code, HTTP status, path) is still printed.
 */
export function compactError<T>(error: T): T {
  if (!(error instanceof TRPCClientError)) return error;
  for (const key of UNPRINTED) {
    Object.defineProperty(error, key, { enumerable: false });
  }
  // `data` is worth printing when the server sent it; `data: undefined` is not.
  if (error.data === undefined) Object.defineProperty(error, 'data', { enumerable: false });
  const withCause = error as { cause?: unknown };
  // An absent cause would print as `[cause]: undefined`; a real one is still printed.
  if (withCause.cause === undefined) delete withCause.cause;
  else Object.defineProperty(error, 'cause', { enumerable: false });
  return error;
}

/** The first link of the chain: every error a call ends with goes through {@link compactError}. */
export function compactErrorsLink<TRouter extends AnyTRPCRouter>(): TRPCLink<TRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => observer.error(compactError(error)),
          complete: () => observer.complete(),
        });
        return () => subscription.unsubscribe();
      });
}
