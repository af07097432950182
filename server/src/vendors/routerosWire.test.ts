import { describe, expect, it } from 'vitest';
import { encodeLength, encodeSentence, SentenceDecoder } from './routerosWire.ts';

describe('RouterOS word lengths', () => {
  it.each([
    [0, [0x00]],
    [0x7f, [0x7f]],
    [0x80, [0x80, 0x80]],
    [0x3fff, [0xbf, 0xff]],
    [0x4000, [0xc0, 0x40, 0x00]],
    [0x1fffff, [0xdf, 0xff, 0xff]],
    [0x200000, [0xe0, 0x20, 0x00, 0x00]],
    [0xfffffff, [0xef, 0xff, 0xff, 0xff]],
    [0x10000000, [0xf0, 0x10, 0x00, 0x00, 0x00]],
  ])('encodes %i as %j', (n, bytes) => {
    expect([...encodeLength(n)]).toEqual(bytes);
  });

  it('round-trips words of every length class, byte by byte', () => {
    const words = ['!re', 'x'.repeat(0x7f), 'y'.repeat(0x80), 'z'.repeat(0x4000), 'w'.repeat(0x200000), '=comment=Ñandú José'];
    const wire = encodeSentence(words);
    const decoder = new SentenceDecoder();
    const out: string[][] = [];
    // Fragmented: one byte at a time for the small part, then the rest.
    for (let i = 0; i < 300; i++) out.push(...decoder.push(wire.subarray(i, i + 1)));
    out.push(...decoder.push(wire.subarray(300)));
    expect(out).toEqual([words]);
  });

  it('splits several sentences in one chunk', () => {
    const wire = Buffer.concat([encodeSentence(['!re', '=a=1']), encodeSentence(['!done'])]);
    expect(new SentenceDecoder().push(wire)).toEqual([['!re', '=a=1'], ['!done']]);
  });
});
