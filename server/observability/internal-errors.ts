import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** Where an internal error happened: the transport, the request (or the socket's upgrade), the procedure. */
export interface InternalErrorPlace {
  readonly transport: 'http' | 'trpc-http' | 'ws';
  readonly requestId?: string;
  readonly path?: string;
}

/** Reports one internal error: logged once, with its request id, and counted. */
export type InternalErrorReporter = (error: unknown, where: InternalErrorPlace) => void;

/**
 * The one way every transport reports what was not an expected refusal: whatever is thrown
 * while serving one request or one frame is answered as an internal error for that request
 * alone (500, or an error frame), logged once here and counted in
 * `scoreboard_internal_errors_total`; the process goes on serving.
 */
export function internalErrorReporter(logger: Logger, metrics: Metrics): InternalErrorReporter {
  return (error, where) => {
    metrics.internalErrors.inc({ transport: where.transport });
    logger.error(
      { err: error, reqId: where.requestId, path: where.path, transport: where.transport },
      'internal error while serving a request',
    );
  };
}
