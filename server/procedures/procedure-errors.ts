import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { Refusal, RefusalKind } from '../domain/refusal.js';

/** What a client sees of a failure that is not an expected refusal (a bug, a lost database). */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

const CODES: ReadonlyMap<RefusalKind, TRPC_ERROR_CODE_KEY> = new Map<RefusalKind, TRPC_ERROR_CODE_KEY>([
  ['invalid_input', 'BAD_REQUEST'],
  ['unauthorized', 'UNAUTHORIZED'],
  ['forbidden', 'FORBIDDEN'],
  ['not_found', 'NOT_FOUND'],
  ['conflict', 'CONFLICT'],
  ['payload_too_large', 'PAYLOAD_TOO_LARGE'],
  ['score_rule', 'UNPROCESSABLE_CONTENT'],
  ['rate_limited', 'TOO_MANY_REQUESTS'],
  ['unavailable', 'SERVICE_UNAVAILABLE'],
]);

/** The cause a refusal's TRPCError carries, so a transport can send its Retry-After. */
export class RefusalCause extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/** The tRPC error a refusal maps to: same message, precise code. */
export function refusalError(refusal: Refusal): TRPCError {
  return new TRPCError({
    code: CODES.get(refusal.kind) ?? 'INTERNAL_SERVER_ERROR',
    message: refusal.message,
    cause: new RefusalCause(refusal),
  });
}

/** The longest Retry-After among the refusals of a response, if any asked for one. */
export function retryAfterOf(errors: readonly TRPCError[]): number | undefined {
  let longest: number | undefined;
  for (const error of errors) {
    const seconds = error.cause instanceof RefusalCause ? error.cause.refusal.retryAfter : undefined;
    if (seconds !== undefined) longest = Math.max(longest ?? 0, seconds);
  }
  return longest;
}

/** One problem with an input, for programs: where (field names) and what. */
export interface InputIssue {
  readonly code: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Most issues a refusal lists; the message names the first. */
const MAX_ISSUES = 10;
/** Longest message of one issue, and of the one-line message. */
const MAX_MESSAGE = 200;

/** The cause of a BAD_REQUEST for input that failed its schema: the issues, bounded. */
export class InvalidInputCause extends Error {
  constructor(
    message: string,
    readonly issues: readonly InputIssue[],
  ) {
    super(message);
  }
}

/** `field.sub: what is wrong`, the input itself when no field is named. */
function issueLine(issue: InputIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'input';
  return `${where}: ${issue.message}`;
}

/**
 * Input that failed its schema: BAD_REQUEST with one line naming the first problem (as every
 * transport answers it and the audit trail records it), the structured issues in its cause.
 */
export function invalidInput(
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[],
): TRPCError {
  const listed: InputIssue[] = issues.slice(0, MAX_ISSUES).map((issue) => ({
    code: issue.code,
    path: issue.path.map((key) => (typeof key === 'number' ? key : String(key).slice(0, MAX_MESSAGE))),
    message: issue.message.slice(0, MAX_MESSAGE),
  }));
  const first = listed[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const message = first ? `${issueLine(first).slice(0, MAX_MESSAGE)}${more}` : 'input: invalid';
  return new TRPCError({ code: 'BAD_REQUEST', message, cause: new InvalidInputCause(message, listed) });
}
