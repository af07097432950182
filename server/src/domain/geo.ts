/**
 * Plane geometry for the map, in degrees (longitude, latitude) as GeoJSON orders them:
 * the grid a viewport is clustered on, and the area drawn around an incident's customers.
 * Distances are small (a town), so a local equirectangular projection is exact enough.
 */

export type Position = [lng: number, lat: number];

export interface Bbox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** A viewport as the map sends it, checked: finite, south < north, clamped to the world. */
export function normaliseBbox(b: Bbox): Bbox | string {
  for (const [k, v] of Object.entries(b)) if (!Number.isFinite(v)) return `${k} must be a number`;
  if (b.south >= b.north) return 'south must be less than north';
  if (b.west >= b.east) return 'west must be less than east (a view across the antimeridian is not supported)';
  return {
    west: Math.max(-180, b.west),
    east: Math.min(180, b.east),
    south: Math.max(-90, b.south),
    north: Math.min(90, b.north),
  };
}

/**
 * Side of a clustering cell in degrees at `zoom`: about 64 screen pixels (a quarter of a
 * 256-pixel tile), so clusters never overlap on screen.
 */
export function clusterCell(zoom: number): number {
  const z = Math.min(Math.max(Math.round(zoom), 0), 22);
  return 360 / 2 ** z / 4;
}

const cross = (o: Position, a: Position, b: Position) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Convex hull (Andrew's monotone chain), counter-clockwise, without repeating the first point. */
export function convexHull(points: readonly Position[]): Position[] {
  const pts = [...new Map(points.map((p) => [`${p[0]},${p[1]}`, p])).values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts;
  const lower: Position[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Position[] = [];
  for (const p of [...pts].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

const METRES_PER_DEGREE = 111_320;

/**
 * The area drawn for a set of customers: their convex hull grown by `marginMetres` all round
 * (so edge customers sit inside, and one or two customers still make an area), as a closed
 * GeoJSON ring. Empty when there are no points.
 */
export function areaAround(points: readonly Position[], marginMetres = 120, segments = 8): Position[] {
  if (!points.length) return [];
  const hull = convexHull(points);
  const lat0 = (hull.reduce((s, p) => s + p[1], 0) / hull.length) * (Math.PI / 180);
  const dLat = marginMetres / METRES_PER_DEGREE;
  const dLng = marginMetres / (METRES_PER_DEGREE * Math.max(Math.cos(lat0), 0.01));
  // Minkowski sum with a small polygon "circle": every hull point spawns the circle's
  // points, and the hull of all of them is the grown area.
  const grown: Position[] = [];
  for (const p of hull) {
    for (let i = 0; i < segments; i++) {
      const a = (2 * Math.PI * i) / segments + Math.PI / segments;
      grown.push([round6(p[0] + dLng * Math.cos(a)), round6(p[1] + dLat * Math.sin(a))]);
    }
  }
  const ring = convexHull(grown);
  return [...ring, ring[0]!];
}

/** Whether `p` lies inside the closed ring (ray casting; points on the edge may go either way). */
export function insideRing(p: Position, ring: readonly Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
