/**
 * What the map shows, straight from SQL (one statement per question, whatever the size of
 * the ISP): the connections in a viewport coloured by live state — one by one when few,
 * clustered on a zoom-sized grid when many — the PON ports and OLTs placed where their
 * customers are, the area of an incident's affected customers, and who has no coordinates.
 */
import type { Queryable } from '../db/sql.ts';
import { areaAround, type Bbox, clusterCell, type Position } from '../domain/geo.ts';

/** A connection's state on the map: its ONU's status, or for connections without an ONU, whether its PPPoE session is up. */
export type MapState = 'ONLINE' | 'OFFLINE' | 'LOS' | 'POWER_FAIL' | 'UNKNOWN';
export const MAP_STATES: readonly MapState[] = ['ONLINE', 'OFFLINE', 'LOS', 'POWER_FAIL', 'UNKNOWN'];

export interface MapPoint {
  connectionId: number;
  lat: number;
  lng: number;
  state: MapState;
  name: string;
  username: string | null;
}

export type StateCounts = Record<MapState, number>;

export interface MapCluster {
  lat: number;
  lng: number;
  count: number;
  counts: StateCounts;
  bbox: Bbox;
}

export interface MapView {
  total: number;
  clustered: boolean;
  points: MapPoint[];
  clusters: MapCluster[];
}

/** Up to this many connections in a viewport are sent one by one; more are clustered. */
export const POINT_LIMIT = 1500;

const countsSql = MAP_STATES.map((s) => `count(*) FILTER (WHERE state = '${s}')::int AS "${s}"`).join(', ');

/**
 * One statement per viewport over `map_points` (kept current by triggers, see its
 * migration): the points themselves when there are at most `pointLimit` (four times that
 * from zoom 17, street level), otherwise clusters on a zoom-sized grid.
 */
export async function mapView(db: Queryable, bbox: Bbox, zoom: number, pointLimit = POINT_LIMIT): Promise<MapView> {
  const limit = zoom >= 17 ? pointLimit * 4 : pointLimit;
  const res = await db.query<{
    kind: 'p' | 'c';
    total: number;
    id: number | null;
    lat: number;
    lng: number;
    state: MapState | null;
    name: string | null;
    username: string | null;
    count: number;
    south: number;
    north: number;
    west: number;
    east: number;
    [state: string]: unknown;
  }>(
    `WITH v AS MATERIALIZED (
       SELECT connection_id AS id, latitude AS lat, longitude AS lng, state FROM map_points
        WHERE longitude BETWEEN $3 AND $4 AND latitude BETWEEN $1 AND $2),
     n AS (SELECT count(*)::int AS total FROM v)
     SELECT 'p' AS kind, n.total, v.id, v.lat, v.lng, v.state, cu.name, c.pppoe_username AS username,
            1 AS count, v.lat AS south, v.lat AS north, v.lng AS west, v.lng AS east, ${MAP_STATES.map((s) => `0 AS "${s}"`).join(', ')}
       FROM n JOIN v ON n.total <= $5 JOIN connections c ON c.id = v.id JOIN customers cu ON cu.id = c.customer_id
     UNION ALL
     SELECT 'c', min(n.total), NULL, avg(lat), avg(lng), NULL, NULL, NULL,
            count(*)::int, min(lat), max(lat), min(lng), max(lng), ${countsSql}
       FROM n JOIN v ON n.total > $5
      GROUP BY floor(lat / $6), floor(lng / $6)
     UNION ALL
     SELECT 'c', 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, ${MAP_STATES.map(() => '0').join(', ')} FROM n WHERE n.total = 0
     ORDER BY 1 DESC, 3, 9 DESC`,
    [bbox.south, bbox.north, bbox.west, bbox.east, limit, clusterCell(zoom)],
  );
  const total = res.rows[0]?.total ?? 0;
  if (total === 0) return { total: 0, clustered: false, points: [], clusters: [] };
  if (res.rows[0]!.kind === 'p') {
    return {
      total,
      clustered: false,
      points: res.rows.map((r) => ({ connectionId: r.id!, lat: r.lat, lng: r.lng, state: r.state!, name: r.name!, username: r.username })),
      clusters: [],
    };
  }
  return {
    total,
    clustered: true,
    points: [],
    clusters: res.rows.map((r) => ({
      lat: r.lat,
      lng: r.lng,
      count: r.count,
      counts: Object.fromEntries(MAP_STATES.map((s) => [s, Number(r[s] ?? 0)])) as StateCounts,
      bbox: { south: r.south, north: r.north, west: r.west, east: r.east },
    })),
  };
}

/** Where a PON port is: the centre of its located customers. */
interface PortPlace {
  ponPortId: number;
  oltId: number;
  label: string;
  oltName: string;
  lat: number;
  lng: number;
  onus: number;
}

/** A placed port with how many of its ONUs are down now. */
export interface PlacedPort extends PortPlace {
  down: number;
}

/** Where the ports are moves only when customers move: computed at most once a minute per process. */
const PLACES_TTL_MS = 60_000;
let places: { at: number; rows: Promise<PortPlace[]> } | null = null;

function portPlaces(db: Queryable): Promise<PortPlace[]> {
  if (!places || Date.now() - places.at > PLACES_TTL_MS) {
    const rows = db
      .query<PortPlace>(
        `SELECT p.id AS "ponPortId", p.olt_id AS "oltId", p.board || '/' || p.port AS label, ol.name AS "oltName",
                avg(m.latitude) AS lat, avg(m.longitude) AS lng, count(*)::int AS onus
           FROM onus o JOIN map_points m ON m.connection_id = o.connection_id
           JOIN pon_ports p ON p.id = o.pon_port_id JOIN olts ol ON ol.id = p.olt_id
          WHERE o.gone_at IS NULL
          GROUP BY p.id, ol.name ORDER BY p.id`,
      )
      .then((r) => r.rows);
    places = { at: Date.now(), rows };
    rows.catch(() => {
      places = null;
    });
  }
  return places.rows;
}

/** Forget where ports are (tests, after moving customers). */
export function forgetPortPlaces(): void {
  places = null;
}

/** Each PON port at the centre of its located customers, with how many of its ONUs are down now. */
export async function placedPonPorts(db: Queryable, bbox: Bbox): Promise<PlacedPort[]> {
  const [all, down] = await Promise.all([
    portPlaces(db),
    db.query<{ id: number; down: number }>(
      `SELECT pon_port_id AS id, count(*)::int AS down FROM onus
        WHERE status IN ('LOS', 'POWER_FAIL', 'OFFLINE') AND gone_at IS NULL AND pon_port_id IS NOT NULL GROUP BY 1`,
    ),
  ]);
  const downBy = new Map(down.rows.map((r) => [r.id, r.down]));
  return all
    .filter((p) => p.lat >= bbox.south && p.lat <= bbox.north && p.lng >= bbox.west && p.lng <= bbox.east)
    .map((p) => ({ ...p, down: downBy.get(p.ponPortId) ?? 0 }));
}

export interface PlacedOlt {
  oltId: number;
  name: string;
  lat: number;
  lng: number;
  onus: number;
  down: number;
}

/** Each OLT at the centre of its located customers (the weighted centre of its ports). */
export async function placedOlts(db: Queryable): Promise<PlacedOlt[]> {
  const ports = await placedPonPorts(db, { west: -180, south: -90, east: 180, north: 90 });
  const byOlt = new Map<number, PlacedOlt>();
  for (const p of ports) {
    const o = byOlt.get(p.oltId) ?? { oltId: p.oltId, name: p.oltName, lat: 0, lng: 0, onus: 0, down: 0 };
    o.lat += p.lat * p.onus;
    o.lng += p.lng * p.onus;
    o.onus += p.onus;
    o.down += p.down;
    byOlt.set(p.oltId, o);
  }
  return [...byOlt.values()].map((o) => ({ ...o, lat: o.lat / o.onus, lng: o.lng / o.onus })).sort((a, b) => a.oltId - b.oltId);
}

export interface IncidentArea {
  ring: Position[];
  center: Position | null;
  located: number;
  unlocated: number;
}

/**
 * The area of an incident: around its customers still affected (all of them once every one
 * recovered), so it shrinks as customers come back. Customers without coordinates are
 * counted, not drawn.
 */
export async function incidentArea(db: Queryable, incidentId: number): Promise<IncidentArea> {
  const res = await db.query<{ lat: number | null; lng: number | null; recovered: boolean }>(
    `SELECT c.latitude AS lat, c.longitude AS lng, ic.recovered_at IS NOT NULL AS recovered
     FROM incident_connections ic
     LEFT JOIN onus o ON o.id = ic.onu_id
     LEFT JOIN connections c ON c.id = coalesce(ic.connection_id, o.connection_id)
     WHERE ic.incident_id = $1`,
    [incidentId],
  );
  const still = res.rows.filter((r) => !r.recovered);
  const rows = still.length ? still : res.rows;
  const located = rows.filter((r) => r.lat !== null && r.lng !== null).map((r) => [r.lng!, r.lat!] as Position);
  const ring = areaAround(located);
  const center: Position | null = located.length
    ? [located.reduce((s, p) => s + p[0], 0) / located.length, located.reduce((s, p) => s + p[1], 0) / located.length]
    : null;
  return { ring, center, located: located.length, unlocated: rows.length - located.length };
}

/** The extent of every located connection (where the map opens), or null when none is located. */
export async function mapExtent(db: Queryable): Promise<Bbox | null> {
  const res = await db.query<{ west: number | null; south: number; east: number; north: number }>(
    `SELECT min(longitude) AS west, min(latitude) AS south, max(longitude) AS east, max(latitude) AS north FROM map_points`,
  );
  const r = res.rows[0];
  return r && r.west !== null ? { west: r.west, south: r.south, east: r.east, north: r.north } : null;
}
