/**
 * The RouterOS API wire format: a sentence is a list of words, each prefixed by its
 * length, ended by a zero-length word. Lengths use 1–5 bytes:
 *   < 0x80 → 1 byte; < 0x4000 → 2 (|0x8000); < 0x200000 → 3 (|0xC00000);
 *   < 0x10000000 → 4 (|0xE0000000); else 0xF0 + 4 bytes.
 * Words are bytes; RouterOS and node-routeros use win1252, latin1 here (same for Spanish).
 */

export function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([(n >> 8) | 0x80, n & 0xff]);
  if (n < 0x200000) return Buffer.from([(n >> 16) | 0xc0, (n >> 8) & 0xff, n & 0xff]);
  if (n < 0x10000000) return Buffer.from([(n >>> 24) | 0xe0, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.from([0xf0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

export function encodeSentence(words: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const w of words) {
    const bytes = Buffer.from(w, 'latin1');
    parts.push(encodeLength(bytes.length), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Incremental decoder: feed it chunks (any fragmentation), get whole sentences. */
export class SentenceDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private words: string[] = [];
  /** Refuse absurd words (a garbage stream would otherwise ask for gigabytes). */
  constructor(private readonly maxWordBytes = 16 * 1024 * 1024) {}

  push(chunk: Buffer): string[][] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const sentences: string[][] = [];
    for (;;) {
      const header = readLength(this.buffer);
      if (!header) break;
      const [len, size] = header;
      if (len > this.maxWordBytes) throw new ProtocolError(`word of ${len} bytes`);
      if (this.buffer.length < size + len) break;
      const word = this.buffer.subarray(size, size + len).toString('latin1');
      this.buffer = this.buffer.subarray(size + len);
      if (len === 0) {
        sentences.push(this.words);
        this.words = [];
      } else {
        this.words.push(word);
      }
    }
    return sentences;
  }
}

function readLength(b: Buffer): [number, number] | null {
  if (b.length < 1) return null;
  const c = b[0]!;
  if ((c & 0x80) === 0) return [c, 1];
  if ((c & 0xc0) === 0x80) return b.length < 2 ? null : [((c & 0x3f) << 8) | b[1]!, 2];
  if ((c & 0xe0) === 0xc0) return b.length < 3 ? null : [((c & 0x1f) << 16) | (b[1]! << 8) | b[2]!, 3];
  if ((c & 0xf0) === 0xe0) return b.length < 4 ? null : [(c & 0x0f) * 0x1000000 + (b[1]! << 16) + (b[2]! << 8) + b[3]!, 4];
  if (c === 0xf0) return b.length < 5 ? null : [b[1]! * 0x1000000 + (b[2]! << 16) + (b[3]! << 8) + b[4]!, 5];
  throw new ProtocolError(`bad length byte 0x${c.toString(16)}`);
}
