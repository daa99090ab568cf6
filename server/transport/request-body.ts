import type { IncomingMessage } from 'node:http';
import { TRPCError } from '@trpc/server';

/**
 * A request's body, read once and only when first asked for (so a refused token never reads
 * it), up to `limit` bytes: past it, PAYLOAD_TOO_LARGE, as tRPC's adapter answers; a client
 * that goes away, CLIENT_CLOSED_REQUEST.
 */
export class RequestBody {
  private reading: Promise<Buffer> | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
  ) {}

  /** Whether the body was asked for. */
  get consumed(): boolean {
    return this.reading !== undefined;
  }

  /** The body's bytes. */
  bytes(): Promise<Buffer> {
    return (this.reading ??= this.read());
  }

  /** Lets an unread body go (so the connection can be reused). */
  discard(): void {
    if (!this.reading) this.req.resume();
  }

  private read(): Promise<Buffer> {
    const { req, limit } = this;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return Promise.reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (error: TRPCError) => {
        req.removeAllListeners('data');
        req.resume();
        reject(error);
      };
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) return fail(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
        chunks.push(chunk);
      });
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', () => fail(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST' })));
      req.once('aborted', () => fail(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST' })));
    });
  }
}

const LENIENT = new TextDecoder('utf-8');
const STRICT = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as text, the byte-order mark dropped. `lenient` decodes as the Fetch API's `text()`
 * does (bad bytes become U+FFFD: tRPC's adapter reads bodies so); strict refuses bad UTF-8.
 */
export function decodeText(bytes: Uint8Array, lenient: boolean): string {
  if (lenient) return LENIENT.decode(bytes);
  try {
    return STRICT.decode(bytes);
  } catch {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'body: is not valid UTF-8' });
  }
}

/** Parses JSON as tRPC's adapter does: a failure is BAD_REQUEST with the parser's message. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: cause instanceof Error ? cause.message : 'Invalid input',
      cause,
    });
  }
}
