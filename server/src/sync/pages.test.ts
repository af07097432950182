import { describe, expect, it } from 'vitest';
import { rowsDigest } from './pages.ts';

describe('rowsDigest', () => {
  const volatile = new Set(['uptime']);
  const rows = [
    { '.id': '*1', name: 'ana', address: '100.64.0.2', uptime: '1h2m3s' },
    { '.id': '*2', name: 'bruno', address: '100.64.0.3', uptime: '5m' },
  ];
  const digest = rowsDigest(rows, volatile);

  it('leaves the volatile fields out', () => {
    expect(
      rowsDigest(
        [
          { ...rows[0]!, uptime: '1h2m4s' },
          { ...rows[1]!, uptime: '6m' },
        ],
        volatile,
      ),
    ).toBe(digest);
  });

  it('changes with any other field, with the order of the rows and with where a row ends', () => {
    expect(rowsDigest([{ ...rows[0]!, address: '100.64.0.9' }, rows[1]!], volatile)).not.toBe(digest);
    expect(rowsDigest([rows[1]!, rows[0]!], volatile)).not.toBe(digest);
    expect(rowsDigest([rows[0]!], volatile)).not.toBe(digest);
    // The same words split differently between two rows.
    expect(rowsDigest([{ a: '1', b: '2' }, { c: '3' }], volatile)).not.toBe(rowsDigest([{ a: '1' }, { b: '2', c: '3' }], volatile));
    expect(rowsDigest([{ a: '' }], volatile)).not.toBe(rowsDigest([{}], volatile));
  });
});
