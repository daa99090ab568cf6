import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { TRPCResponse } from '@trpc/server/rpc';
import type { RequestMeta } from '../domain/request-origin.js';
import { PROCEDURE_PATHS } from '../procedures/catalogue.js';
import { createContextInner, type Context, type ProcedureDeps } from '../procedures/context.js';
import type { ProcedureKind } from '../procedures/definition.js';
import { retryAfterOf } from '../procedures/procedure-errors.js';
import { runProcedure } from '../procedures/run-procedure.js';
import { decodeText, parseJson, RequestBody } from '../transport/request-body.js';
import { errorShape } from '../transport/trpc-wire.js';

const KIND_OF_METHOD: ReadonlyMap<string, ProcedureKind> = new Map([
  ['GET', 'query'],
  ['POST', 'mutation'],
]);

/** Reported for each failed call, as tRPC's adapter reports it (`onError`). */
export type CallErrorListener = (error: TRPCError, path: string, ctx: Context) => void;

/** A content type's media type, lower case, without parameters ('' when there is none). */
function mediaType(header: string | undefined): string {
  return header?.toLowerCase().split(';', 1)[0]?.trim() ?? '';
}

/**
 * Whether tRPC's adapter would read this request with its JSON handler and answer it in one
 * JSON body: a POST of `application/json`, or a GET that is not form data or octets; no
 * streaming answer asked for (`application/jsonl`), no connection params.
 */
function isPlainJson(req: IncomingMessage, url: URL, kind: ProcedureKind): boolean {
  const type = mediaType(req.headers['content-type']);
  if (
    kind === 'mutation'
      ? type !== 'application/json'
      : type === 'multipart/form-data' || type === 'application/octet-stream'
  )
    return false;
  const trpcAccept = req.headers['trpc-accept'];
  const accept =
    (Array.isArray(trpcAccept) ? trpcAccept.join(', ') : trpcAccept) ??
    (req.headers.accept ?? '').split(',').find((t) => t.trim() === 'application/jsonl');
  return accept?.trim() !== 'application/jsonl' && !url.searchParams.has('connectionParams');
}

/** Reads a request's inputs once, as tRPC's JSON handler does (an object of inputs by index for a batch). */
function inputReader(
  req: IncomingMessage,
  url: URL,
  kind: ProcedureKind,
  calls: number,
  maxBodySize: number,
) {
  const isBatch = url.searchParams.get('batch') === '1';
  const body = kind === 'mutation' ? new RequestBody(req, maxBodySize) : undefined;
  let inputs: Promise<Map<number, unknown>> | undefined;
  const read = async (): Promise<Map<number, unknown>> => {
    const text = body ? decodeText(await body.bytes(), true) : (url.searchParams.get('input') ?? '');
    const parsed = text ? parseJson(text) : undefined;
    const byIndex = new Map<number, unknown>();
    if (parsed === undefined) return byIndex;
    if (!isBatch) return byIndex.set(0, parsed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: '"input" needs to be an object when doing a batch call',
      });
    }
    for (let index = 0; index < calls; index++) {
      const value = Object.hasOwn(parsed, index) ? (parsed as Record<number, unknown>)[index] : undefined;
      if (value !== undefined) byIndex.set(index, value);
    }
    return byIndex;
  };
  return {
    input: async (index: number) => (await (inputs ??= read())).get(index),
    discard: () => body?.discard(),
  };
}

/**
 * tRPC over HTTP without the Fetch API emulation of tRPC's Node adapter (on Node 20 its
 * Request, AbortSignal and web streams cost many times a plain handler). It serves only what
 * tRPC's adapter would answer with one JSON body (see isPlainJson), for paths that name
 * procedures of the method's kind; each call runs its definition through runProcedure, the
 * same steps tRPC's router runs, and the answer is built with the same error shapes and
 * tRPC's own status rule. Anything else answers false, and the caller hands the request to
 * tRPC's adapter. `test/trpc/fast-path.differential.test.ts` holds the two to the same answers.
 */
export function fastTrpcHttp(
  deps: ProcedureDeps,
  options: { maxBodySize: number; onError: CallErrorListener },
) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, paths: string[], meta: RequestMeta) => {
    const kind = KIND_OF_METHOD.get(req.method ?? '');
    if (!kind || !isPlainJson(req, url, kind)) return false;
    const definitions = paths.map((path) => PROCEDURE_PATHS.get(path));
    if (definitions.some((definition) => definition?.kind !== kind)) return false;

    const inputs = inputReader(req, url, kind, paths.length, options.maxBodySize);
    const ctx = createContextInner(deps, { ...meta, authorization: req.headers.authorization });
    const results = await Promise.all(
      definitions.map(async (definition, index) => {
        const path = paths[index]!;
        try {
          const data = await runProcedure(definition!, ctx, () => inputs.input(index), undefined);
          return { json: { result: { data } } as TRPCResponse };
        } catch (cause) {
          const error = getTRPCErrorFromUnknown(cause);
          options.onError(error, path, ctx);
          return { json: { error: errorShape(error, path, deps.maxBatch) } as TRPCResponse, error };
        }
      }),
    );
    inputs.discard();

    const json = results.map((r) => r.json);
    const errors = results.map((r) => r.error);
    const isBatch = url.searchParams.get('batch') === '1';
    const status = getHTTPStatusCode(isBatch ? json : json[0]!, errors);
    const text = JSON.stringify(isBatch ? json : json[0]);
    const retryAfter = retryAfterOf(errors.filter((e) => e !== undefined));
    res.writeHead(status, {
      vary: 'trpc-accept, accept, origin',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    });
    res.end(text);
    return true;
  };
}
