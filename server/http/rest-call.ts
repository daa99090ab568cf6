import type { ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { RequestMeta } from '../domain/request-origin.js';
import type { InternalErrorReporter } from '../observability/internal-errors.js';
import { createContextInner, type ProcedureDeps } from '../procedures/context.js';
import type { AnyDefinition } from '../procedures/definition.js';
import { INTERNAL_ERROR_MESSAGE, retryAfterOf } from '../procedures/procedure-errors.js';
import { runProcedure, type RawInput } from '../procedures/run-procedure.js';
import { sendJson } from '../transport/respond.js';

/** How a REST route words a procedure's answer. */
export interface RestAnswer {
  /** Sends the output of a call that succeeded. */
  ok(res: ServerResponse, output: unknown): void;
  /** The message of a refusal (by default the error's own). */
  message?(error: TRPCError): string;
}

/** One REST request: who asks (the Authorization header), from where, and its input. */
export interface RestRequest {
  readonly authorization: string | undefined;
  readonly meta: RequestMeta;
  readonly rawInput: RawInput;
}

/**
 * Answers a REST request by running a procedure's definition: the same steps, budgets,
 * refusals and audit as its tRPC call (runProcedure). A refusal is the REST error shape
 * `{"status":"error","message":...}` with the status tRPC maps its code to (and Retry-After);
 * an internal error is a 500 that says nothing more, reported once.
 */
export function restCall(deps: ProcedureDeps, reportInternal: InternalErrorReporter) {
  return async (definition: AnyDefinition, res: ServerResponse, request: RestRequest, answer: RestAnswer) => {
    const ctx = createContextInner(deps, { ...request.meta, authorization: request.authorization });
    let output: unknown;
    try {
      output = await runProcedure(definition, ctx, request.rawInput, undefined);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'CLIENT_CLOSED_REQUEST') return; // nobody to answer
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      if (internal)
        reportInternal(error.cause ?? error, { transport: 'http', requestId: request.meta.requestId });
      const headers: Record<string, string> = {};
      const retryAfter = retryAfterOf([error]);
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      // The rest of a body too large is never read: the connection cannot carry another request.
      if (error.code === 'PAYLOAD_TOO_LARGE') headers.connection = 'close';
      const message = internal ? INTERNAL_ERROR_MESSAGE : (answer.message?.(error) ?? error.message);
      return sendJson(res, getHTTPStatusCodeFromError(error), { status: 'error', message }, headers);
    }
    answer.ok(res, output);
  };
}
