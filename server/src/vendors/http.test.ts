import { describe, expect, it } from 'vitest';
import { parseBody } from './http.ts';
import { VendorError } from './vendorError.ts';

describe('parseBody', () => {
  it('reads UTF-8 JSON, with or without a byte-order mark, as fetch would', () => {
    const json = Buffer.from('[{"name":"Muñoz"}]', 'utf8');
    expect(parseBody('ISPCUBE', 200, json)).toEqual([{ name: 'Muñoz' }]);
    expect(parseBody('ISPCUBE', 200, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]))).toEqual([{ name: 'Muñoz' }]);
    expect(parseBody('ISPCUBE', 200, Buffer.alloc(0))).toBeNull();
  });

  it('keeps the text of a server error that is not JSON, and refuses it on any other status', () => {
    expect(parseBody('SMARTOLT', 502, Buffer.from('<html>Bad Gateway</html>'))).toBe('<html>Bad Gateway</html>');
    expect(() => parseBody('ISPCUBE', 200, Buffer.from('<html>maintenance</html>'))).toThrow(VendorError);
    expect(() => parseBody('ISPCUBE', 200, Buffer.from('<html>maintenance</html>'))).toThrow(
      /ISPCUBE answered HTTP 200 with something that is not JSON/,
    );
  });
});
