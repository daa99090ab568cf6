import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../server/domain/page-cursor.js';

/** A cursor as a client could forge one: any JSON, base64url-encoded. */
const forged = (json: string) => Buffer.from(json).toString('base64url');

describe('page cursors', () => {
  it('gives back the key it was made from', () => {
    fc.assert(
      fc.property(
        fc.record({
          score: fc.maxSafeInteger(),
          reachedSeq: fc.maxSafeInteger(),
          userId: fc.string({ maxLength: 128 }),
        }),
        (record) => {
          expect(decodeCursor(encodeCursor(record))).toEqual(record);
        },
      ),
    );
  });

  it('gives back the rank a cursor of an ended window carries besides its key', () => {
    const record = { score: -40, reachedSeq: 7, userId: 'alice' };
    expect(decodeCursor(encodeCursor(record, 120))).toEqual({ ...record, rank: 120 });
    expect(decodeCursor(encodeCursor(record, 0))).toEqual({ ...record, rank: 0 });
  });

  it.each([
    ['a fractional score', '[10.5,3,"alice"]'],
    ['a fractional sequence', '[10,3.25,"alice"]'],
    ['a score as a string', '["10",3,"alice"]'],
    ['a sequence as a string', '[10,"3","alice"]'],
    ['a score past 2^53', '[9007199254740993,3,"alice"]'],
    ['an infinite score', '[1e400,3,"alice"]'],
    ['a null score', '[null,3,"alice"]'],
    ['a user id that is not a string', '[10,3,7]'],
    ['too few parts', '[10,3]'],
    ['too many parts', '[10,3,"alice",1,2]'],
    ['a negative rank', '[10,3,"alice",-1]'],
    ['a fractional rank', '[10,3,"alice",1.5]'],
    ['a rank as a string', '[10,3,"alice","1"]'],
    ['a null rank', '[10,3,"alice",null]'],
    ['an object', '{"score":10,"reachedSeq":3,"userId":"alice"}'],
    ['no JSON at all', 'not json'],
  ])('refuses a cursor with %s', (_, json) => {
    expect(decodeCursor(forged(json))).toBeUndefined();
  });

  it('accepts the integers a cursor of this server holds, zero included', () => {
    expect(decodeCursor(forged('[0,0,""]'))).toEqual({ score: 0, reachedSeq: 0, userId: '' });
    expect(decodeCursor(forged('[9007199254740991,1,"bob"]'))).toEqual({
      score: Number.MAX_SAFE_INTEGER,
      reachedSeq: 1,
      userId: 'bob',
    });
  });
});
