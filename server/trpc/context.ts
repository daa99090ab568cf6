import type { IncomingMessage } from 'node:http';
import type { AppServices } from '../app-services.js';
import type { Principal } from '../auth/principal.js';
import { clientIp, requestIdOf } from '../http/request-meta.js';

/** What every procedure sees. */
export interface Context {
  readonly services: AppServices;
  /** The raw credential: an Authorization header value, verified only when a procedure needs it. */
  readonly authorization: string | undefined;
  /** A principal already verified by the transport (WebSocket connection params). */
  readonly principal?: Principal;
  readonly ip: string | null;
  readonly requestId: string;
}

/** Builds a context from its parts; what tests use. */
export function createContextInner(
  services: AppServices,
  parts: { authorization?: string; principal?: Principal; ip?: string | null; requestId?: string },
): Context {
  return {
    services,
    authorization: parts.authorization,
    principal: parts.principal,
    ip: parts.ip ?? null,
    requestId: parts.requestId ?? 'internal',
  };
}

/** Adapts an HTTP request into a context. */
export function createHttpContext(services: AppServices, req: IncomingMessage): Context {
  return createContextInner(services, {
    authorization: req.headers.authorization,
    ip: clientIp(req),
    requestId: requestIdOf(req),
  });
}
