import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import { getErrorShape, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { RequestMeta } from '../domain/request-origin.js';
import { createContextInner, type Context, type ProcedureDeps } from './context.js';
import { DIRECT_CALLS } from './direct-calls.js';
import { appRouter } from './routers/_app.js';
import { retryAfterOf } from './trpc.js';

type ProcedureType = 'query' | 'mutation';
interface CallableProcedure {
  (opts: {
    path: string;
    getRawInput: () => Promise<unknown>;
    ctx: Context;
    type: ProcedureType;
    signal: AbortSignal | undefined;
    batchIndex: number;
  }): Promise<unknown>;
  _def: { type: string };
}

const config = appRouter._def._config;
const procedures = appRouter._def.procedures as unknown as Record<string, CallableProcedure>;
const METHOD_OF: Record<string, ProcedureType> = { GET: 'query', POST: 'mutation' };

/** Reported for each failed call, as tRPC's adapter reports it (`onError`). */
export type CallErrorListener = (error: TRPCError, path: string, req: IncomingMessage, ctx: Context) => void;

/**
 * The body, read once and only when a procedure asks for its input (as tRPC does: a refused
 * token never reads it). Past `limit` bytes it fails as tRPC's adapter fails.
 */
function lazyBody(req: IncomingMessage, limit: number): { text(): Promise<string>; consumed(): boolean } {
  let reading: Promise<string> | undefined;
  return {
    consumed: () => reading !== undefined,
    text: () =>
      (reading ??= new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            req.removeAllListeners('data');
            req.resume();
            reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
            return;
          }
          chunks.push(chunk);
        });
        req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.once('error', reject);
      })),
  };
}

/**
 * tRPC over HTTP without the Fetch API emulation of tRPC's Node adapter (on Node 20 its
 * Request, AbortSignal and web streams cost many times a plain handler): for the requests
 * tRPC's clients send (JSON queries over GET, JSON mutations over POST, batched or not, no
 * streaming), the procedures are called directly (the hot ones without tRPC's middleware
 * machinery, see DIRECT_CALLS) and the response is built with tRPC's own
 * functions (error shapes, status codes), so the wire format is byte for byte tRPC's. Anything
 * else (an unknown path, a wrong method, other content types, streaming links) answers false,
 * and the caller hands the request to tRPC's adapter. `test/trpc/fast-path.test.ts` compares
 * the two.
 */
export function fastTrpcHttp(
  deps: ProcedureDeps,
  options: { maxBodySize: number; onError: CallErrorListener },
) {
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    paths: string[],
    meta: RequestMeta,
  ): Promise<boolean> => {
    const type = METHOD_OF[req.method ?? ''];
    if (!type) return false;
    const accept = req.headers['trpc-accept'] ?? req.headers.accept ?? '';
    if (accept.includes('application/jsonl') || accept.includes('text/event-stream')) return false;
    const calls = paths.map((path) => ({ path, procedure: procedures[path] }));
    if (calls.some((call) => call.procedure?._def.type !== type)) return false;
    if (type === 'mutation' && !(req.headers['content-type'] ?? '').startsWith('application/json'))
      return false;

    const isBatch = url.searchParams.get('batch') === '1';
    const body = type === 'mutation' ? lazyBody(req, options.maxBodySize) : undefined;
    let inputs: Promise<Record<number, unknown>> | undefined;
    // Parsed as tRPC parses it: the same errors reach the procedures' input middleware.
    const readInputs = () =>
      (inputs ??= (async () => {
        const text = body ? await body.text() : (url.searchParams.get('input') ?? '');
        const parsed: unknown = text ? JSON.parse(text) : undefined;
        const result: Record<number, unknown> = Object.create(null);
        if (parsed === undefined) return result;
        if (!isBatch) {
          result[0] = parsed;
          return result;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: '"input" needs to be an object when doing a batch call',
          });
        }
        for (const index of paths.keys()) {
          const input = (parsed as Record<number, unknown>)[index];
          if (input !== undefined) result[index] = input;
        }
        return result;
      })().catch((cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        const message = cause instanceof Error ? cause.message : 'Invalid input';
        throw new TRPCError({ code: 'BAD_REQUEST', message, cause });
      }));

    const ctx = createContextInner(deps, { ...meta, authorization: req.headers.authorization });
    const results = await Promise.all(
      calls.map(async ({ path, procedure }, batchIndex) => {
        try {
          const rawInput = async () => (await readInputs())[batchIndex];
          const direct = DIRECT_CALLS.get(path);
          const data = direct
            ? await direct(ctx, rawInput)
            : await procedure!({ path, getRawInput: rawInput, ctx, type, signal: undefined, batchIndex });
          return { result: { data } } as const;
        } catch (cause) {
          const error = getTRPCErrorFromUnknown(cause);
          options.onError(error, path, req, ctx);
          const shape = getErrorShape({ config, ctx, error, input: undefined, path, type });
          return { error: shape, original: error } as const;
        }
      }),
    );
    if (body && !body.consumed()) req.resume();

    const json = results.map((r) => ('error' in r ? { error: r.error! } : { result: r.result }));
    const errors = results.flatMap((r) => (r.original ? [r.original] : []));
    const status = getHTTPStatusCode(
      isBatch ? json : json[0]!,
      results.map((r) => r.original) as TRPCError[],
    );
    const text = JSON.stringify(isBatch ? json : json[0]);
    const retryAfter = retryAfterOf(errors);
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
