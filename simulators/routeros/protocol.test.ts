import { describe, expect, it } from 'vitest';
import { matchesQuery, parseCommand } from './protocol.ts';

describe('RouterOS command words', () => {
  it('parses attributes with = in values, =.proplist=, =.id=, .tag and queries', () => {
    expect(parseCommand(['/ppp/secret/set', '=.id=*7', '=.proplist=name,profile', '.tag=7', '?name=a=b', '?#|', '=comment=x=y'])).toEqual({
      command: '/ppp/secret/set',
      attributes: { '.id': '*7', '.proplist': 'name,profile', comment: 'x=y' },
      api: { tag: '7' },
      queries: ['name=a=b', '#|'],
    });
  });
});

describe('RouterOS print queries (every documented word form)', () => {
  const row = { '.id': '*1A', name: 'jperez', profile: 'fibra-100', disabled: 'false', 'limit-bytes-in': '10', comment: '' };
  it.each([
    // ?name — has the property; ?-name — lacks it
    [['name'], true],
    [['caller-id'], false],
    [['-caller-id'], true],
    [['-name'], false],
    // ?name=x and ?=name=x mean the same
    [['name=jperez'], true],
    [['=name=jperez'], true],
    [['name=other'], false],
    [['=name=other'], false],
    [['.id=*1A'], true],
    [['=.id=*1A'], true],
    [['comment='], true],
    // ?<name=x, ?>name=x — numerically when both are numbers
    [['>limit-bytes-in=5'], true],
    [['<limit-bytes-in=5'], false],
    [['<limit-bytes-in=50'], true],
    [['>name=a'], true],
    [['<missing=5'], false],
    // ?# stack operations
    [['name=other', 'profile=fibra-100', '#|'], true],
    [['name=other', 'profile=x', '#|'], false],
    [['name=jperez', '#!'], false],
    [['name=jperez', 'disabled=true', '#&'], false],
    [['name=a', 'name=b', 'name=jperez', '#||'], true],
    // digits index the stack from the top (0 = top); a trailing index replaces the stack
    [['name=jperez', 'name=other', '#1'], true],
    [['name=jperez', 'name=other', '#0'], false],
    [['name=jperez', 'name=other', '#1&'], false],
    [['name=jperez', 'name=other', '#1.|'], true],
    // `.` after anything but an index duplicates the top
    [['name=jperez', '#.&'], true],
    [['name=other', '#!.&'], true],
    // multi-digit index
    [['name=jperez', ...Array.from({ length: 11 }, () => 'name=x'), '#11'], true],
  ])('query %j → %s', (queries, expected) => {
    expect(matchesQuery(row, queries)).toBe(expected);
  });

  it.each([[['#|']], [['#x']], [['#5']], [['-']], [['<']], [['#!']]])('answers a malformed query %j with null (a !trap)', (queries) => {
    expect(matchesQuery(row, queries)).toBeNull();
  });
});
