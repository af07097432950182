import { describe, expect, it } from 'vitest';
import { areaAround, clusterCell, convexHull, insideRing, normaliseBbox, type Position } from './geo.ts';

describe('geo', () => {
  it('takes the convex hull, dropping inner and repeated points', () => {
    const square: Position[] = [
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ];
    const hull = convexHull([...square, [1, 1], [0.5, 1.5], [2, 2], [1, 0]]);
    expect(hull).toHaveLength(4);
    expect(new Set(hull.map((p) => p.join(',')))).toEqual(new Set(square.map((p) => p.join(','))));
  });

  it('grows an area around every customer, even one alone, as a closed ring', () => {
    const customers: Position[] = [
      [-64.18, -31.41],
      [-64.17, -31.42],
      [-64.185, -31.425],
      [-64.178, -31.417],
    ];
    const ring = areaAround(customers);
    expect(ring[0]).toEqual(ring.at(-1));
    for (const c of customers) expect(insideRing(c, ring)).toBe(true);
    // Nothing far away is inside: 1 km east of the easternmost customer.
    expect(insideRing([-64.16, -31.42], ring)).toBe(false);
    const alone = areaAround([[-64.5, -31.2]]);
    expect(alone.length).toBeGreaterThan(4);
    expect(insideRing([-64.5, -31.2], alone)).toBe(true);
    // Its margin is about 120 m: 100 m away is inside, 200 m away is not.
    expect(insideRing([-64.5, -31.2 + 100 / 111_320], alone)).toBe(true);
    expect(insideRing([-64.5, -31.2 + 200 / 111_320], alone)).toBe(false);
    expect(areaAround([])).toEqual([]);
  });

  it('checks a viewport and sizes clustering cells by zoom', () => {
    expect(normaliseBbox({ west: -65, south: -32, east: -64, north: -31 })).toEqual({ west: -65, south: -32, east: -64, north: -31 });
    expect(normaliseBbox({ west: -200, south: -95, east: 200, north: 95 })).toEqual({ west: -180, south: -90, east: 180, north: 90 });
    expect(normaliseBbox({ west: -64, south: -31, east: -65, north: -30 })).toMatch(/west must be less than east/);
    expect(normaliseBbox({ west: Number.NaN, south: -31, east: -65, north: -30 })).toBe('west must be a number');
    expect(clusterCell(0)).toBe(90);
    expect(clusterCell(12)).toBeCloseTo(0.02197, 4);
    expect(clusterCell(40)).toBe(clusterCell(22));
  });
});
