import { MESSAGES } from '../../shared/messages.js';
import type { REFUSAL_KINDS } from '../../shared/schemas.js';

/** Why a request was refused; also the `kind` of its security event (listed in shared/). */
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

/** An expected refusal: never a bug, always a clear message and a precise status. */
export interface Refusal {
  readonly kind: RefusalKind;
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503;
  readonly message: string;
  /** Whole seconds, for 429. */
  readonly retryAfter?: number;
}

const STATUS: Record<RefusalKind, Refusal['status']> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  score_rule: 422,
  rate_limited: 429,
  unavailable: 503,
};

/** Builds a refusal of the given kind. */
export function refuse(kind: RefusalKind, message: string, retryAfter?: number): Refusal {
  return retryAfter === undefined
    ? { kind, status: STATUS[kind], message }
    : { kind, status: STATUS[kind], message, retryAfter };
}

/** A 429 that says when to come back. */
export function tooManyRequests(retryAfter: number): Refusal {
  return refuse('rate_limited', `Too many requests; retry in ${retryAfter} seconds`, retryAfter);
}

/** The spec's literal 400. */
export const INVALID_INPUT = refuse('invalid_input', MESSAGES.badRequest);
/** The spec's literal 401. */
export const UNAUTHORIZED = refuse('unauthorized', MESSAGES.unauthorized);
/** The database could not commit; nothing was applied. */
export const STORAGE_UNAVAILABLE = refuse('unavailable', 'Storage is unavailable; the score was not updated');

/** Largest request body accepted, in bytes (REST and tRPC over HTTP). */
export const BODY_LIMIT_BYTES = 16 * 1024;
/** A body over BODY_LIMIT_BYTES. */
export const BODY_TOO_LARGE = refuse(
  'payload_too_large',
  `Request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`,
);
