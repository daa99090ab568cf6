import { isTrackedEnvelope, type TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import {
  INTERNAL_ERROR_MESSAGE,
  InvalidInputCause,
  type InputIssue,
} from '../procedures/procedure-errors.js';

/** How a tRPC error travels: the same shape on every transport (tRPC's adapters and ours). */
export interface ErrorShape {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; path?: string; issues?: readonly InputIssue[] };
}

/** The one error a batch over TRPC_MAX_BATCH gets, whole. */
export function batchTooLargeMessage(max: number | undefined): string {
  return `Too many calls in one batch: at most ${max ?? 'TRPC_MAX_BATCH'} are allowed (TRPC_MAX_BATCH)`;
}

/**
 * The shape of an error as clients see it: tRPC's default shape, except that an internal error
 * never shows its text (a database's or a bug's stays in the server log), a refused input
 * carries its issues for programs, and tRPC's own batch refusal names the setting.
 * The router's errorFormatter is this function, so hand-served transports answer the same.
 */
export function errorShape(error: TRPCError, path: string | undefined, maxBatch?: number): ErrorShape {
  const message =
    error.code === 'INTERNAL_SERVER_ERROR'
      ? INTERNAL_ERROR_MESSAGE
      : error.message === 'Batch call exceeds maximum size'
        ? batchTooLargeMessage(maxBatch)
        : error.message;
  const data: ErrorShape['data'] = { code: error.code, httpStatus: getHTTPStatusCodeFromError(error) };
  if (path !== undefined) data.path = path;
  if (error.cause instanceof InvalidInputCause) data.issues = error.cause.issues;
  return { message, code: TRPC_ERROR_CODES_BY_KEY[error.code], data };
}

/** A JSON-RPC request id, as tRPC accepts it. */
export type RequestId = number | string;

/** `{"id":<id>[,"jsonrpc":"2.0"]`: how every WebSocket frame answering one request starts. */
export function frameHead(id: RequestId | null, jsonrpc: '2.0' | undefined): string {
  return `{"id":${JSON.stringify(id)}${jsonrpc === '2.0' ? ',"jsonrpc":"2.0"' : ''}`;
}

/** The rest of a frame that carries a result (`started`, `stopped`, or data). */
export function resultTail(result: unknown): string {
  return `,"result":${JSON.stringify(result)}}`;
}

/** The rest of a frame that carries an error. */
export function errorTail(shape: ErrorShape): string {
  return `,"error":${JSON.stringify(shape)}}`;
}

/** One subscription value as tRPC sends it: a tracked value carries its id twice. */
export function dataResult(value: unknown): { type: 'data'; data: unknown; id?: string } {
  if (!isTrackedEnvelope(value)) return { type: 'data', data: value };
  const [id, data] = value;
  return { type: 'data', data: { id, data }, id };
}
