import type { IncomingMessage } from 'node:http';

/** Largest request body accepted, in bytes. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export type BodyResult =
  { kind: 'ok'; value: unknown } | { kind: 'too_large' } | { kind: 'malformed' } | { kind: 'aborted' };

/** Reads the whole body, up to the limit, and parses it as JSON. */
export function readJsonBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.removeAllListeners('data');
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish({ kind: 'too_large' });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(parse(Buffer.concat(chunks))));
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('aborted', () => finish({ kind: 'aborted' }));
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parse(bytes: Buffer): BodyResult {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { kind: 'malformed' };
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) };
  } catch {
    return { kind: 'malformed' };
  }
}
