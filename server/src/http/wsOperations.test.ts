/** WebSocket operations are parsed and validated once per text, limits included, in a bounded cache. */
import { describe, expect, it } from 'vitest';
import { schema } from '../graphql/schema/index.ts';
import { ARMOR_LIMITS, wsCheckedOperation } from './app.ts';

describe('WebSocket operation checks', () => {
  it('parses and validates a document once for every subscriber that sends it', () => {
    const query = 'subscription { onuStatusChanged { resync onus { id } } }';
    const first = wsCheckedOperation(schema, query);
    expect('document' in first).toBe(true);
    expect(wsCheckedOperation(schema, query)).toBe(first);
  });

  it('refuses invalid documents and those over the limits, every time', () => {
    const aliases = Array.from({ length: ARMOR_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: resync`).join(' ');
    for (const query of [`subscription { onuStatusChanged { ${aliases} } }`, 'subscription { nothingHere }', 'subscription {']) {
      for (let i = 0; i < 2; i++) {
        const checked = wsCheckedOperation(schema, query);
        expect('errors' in checked && checked.errors.length > 0, query).toBe(true);
      }
    }
  });

  it('keeps at most 500 documents (clients choose them)', () => {
    const query = (i: number) => `subscription Q${i} { onuStatusChanged { resync } }`;
    const first = wsCheckedOperation(schema, query(0));
    for (let i = 1; i <= 500; i++) wsCheckedOperation(schema, query(i));
    const again = wsCheckedOperation(schema, query(0));
    expect(again).not.toBe(first);
    expect('document' in again).toBe(true);
  });
});
