/**
 * The map over real PostgreSQL with the demo ISP: states as the NOC would read them,
 * clusters that add up, incident areas that contain their customers and follow recovery,
 * and customers without coordinates listed rather than dropped.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { insideRing, type Position } from '../domain/geo.ts';
import { forgetPortPlaces, mapView } from './view.ts';

let api: TestApi;
const everywhere = { west: -66, south: -32.5, east: -63, north: -30 };

beforeAll(async () => {
  api = await createTestApi({ subscribers: 400, seed: 21 });
});

const q = async <T>(sql: string, params: unknown[] = []) => (await api.db.pool.query(sql, params)).rows as T[];

describe('map view', () => {
  it('shows every located connection once with its live state', async () => {
    const noc = await api.as('noc');
    // One ONU goes LOS; one connection without an ONU has its session up.
    const [los] = await q<{ connection_id: number }>(
      `UPDATE onus SET status = 'LOS' WHERE id = (SELECT min(id) FROM onus WHERE connection_id IS NOT NULL AND status = 'ONLINE') RETURNING connection_id`,
    );
    const [wireless] = await q<{ id: number }>(
      `SELECT c.id FROM connections c WHERE NOT EXISTS (SELECT 1 FROM onus o WHERE o.connection_id = c.id)
         AND EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.connection_id = c.id) AND c.latitude IS NOT NULL ORDER BY c.id LIMIT 1`,
    );
    const res = await noc.query<{
      map: { total: number; clustered: boolean; points: { connectionId: string; state: string; customerName: string }[] };
    }>(
      `query($b: BoundingBoxInput!) { map(bbox: $b, zoom: 9) { total clustered points { connectionId state customerName latitude longitude } } }`,
      { b: everywhere },
    );
    expect(res.errors ?? []).toEqual([]);
    const view = res.data!.map;
    const n = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM connections WHERE latitude IS NOT NULL AND gone_at IS NULL`))[0]!.n;
    expect(view.clustered).toBe(false);
    expect(view.total).toBe(n);
    expect(new Set(view.points.map((p) => p.connectionId)).size).toBe(n);
    const byId = new Map(view.points.map((p) => [p.connectionId, p]));
    expect(byId.get(encodeGlobalID('Connection', String(los!.connection_id)))?.state).toBe('LOS');
    if (wireless) expect(byId.get(encodeGlobalID('Connection', String(wireless.id)))?.state).toBe('ONLINE');
    // Every fibre point agrees with its ONU.
    const onus = await q<{ connection_id: number; status: string }>(
      `SELECT DISTINCT ON (connection_id) connection_id, status::text FROM onus WHERE connection_id IS NOT NULL
        AND connection_id NOT IN (SELECT connection_id FROM onus WHERE connection_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1)`,
    );
    let checked = 0;
    for (const o of onus) {
      const p = byId.get(encodeGlobalID('Connection', String(o.connection_id)));
      if (!p) continue;
      expect(p.state).toBe(o.status);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('clusters a crowded viewport into cells whose counts add up to the truth', async () => {
    const view = await mapView(api.db.pool, everywhere, 9, 50);
    expect(view.clustered).toBe(true);
    expect(view.points).toEqual([]);
    const sum = view.clusters.reduce((s, c) => s + c.count, 0);
    expect(sum).toBe(view.total);
    for (const c of view.clusters) {
      expect(Object.values(c.counts).reduce((a, b) => a + b, 0)).toBe(c.count);
      expect(c.lat).toBeGreaterThanOrEqual(c.bbox.south);
      expect(c.lat).toBeLessThanOrEqual(c.bbox.north);
    }
    const [truth] = await q<{ los: number }>(
      `SELECT count(*)::int AS los FROM connections c WHERE c.latitude IS NOT NULL AND c.gone_at IS NULL
         AND EXISTS (SELECT 1 FROM onus o WHERE o.connection_id = c.id AND o.status = 'LOS')`,
    );
    expect(view.clusters.reduce((s, c) => s + c.counts.LOS, 0)).toBe(truth!.los);
    // Zooming in splits clusters: more, smaller cells.
    const closer = await mapView(api.db.pool, everywhere, 13, 50);
    expect(closer.clusters.length).toBeGreaterThan(view.clusters.length);
    // A viewport over nobody is empty, not an error.
    expect(await mapView(api.db.pool, { west: 10, south: 10, east: 11, north: 11 }, 12)).toEqual({
      total: 0,
      clustered: false,
      points: [],
      clusters: [],
    });
  });

  it('refuses a malformed viewport with a typed error, and shows nothing to technicians', async () => {
    const noc = await api.as('noc');
    const bad = await noc.query(`{ map(bbox: { west: -64, south: -31, east: -65, north: -30 }, zoom: 12) { total } }`);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bbox' });
    const tech = await api.as('tecnico');
    const denied = await tech.query(`query($b: BoundingBoxInput!) { map(bbox: $b, zoom: 12) { total } }`, { b: everywhere });
    expect(denied.data?.map ?? null).toBeNull();
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lists connections without coordinates instead of dropping them', async () => {
    const noc = await api.as('noc');
    const moved = await q<{ id: number }>(
      `UPDATE connections SET latitude = NULL WHERE id IN (SELECT id FROM connections ORDER BY id DESC LIMIT 3) RETURNING id`,
    );
    const res = await noc.query<{ unlocatedConnections: { totalCount: number; nodes: { id: string }[] } }>(
      `{ unlocatedConnections(first: 10) { totalCount nodes { id pppoeUsername customer { name } } } }`,
    );
    expect(res.errors ?? []).toEqual([]);
    expect(res.data!.unlocatedConnections.totalCount).toBe(3);
    expect(new Set(res.data!.unlocatedConnections.nodes.map((n) => n.id))).toEqual(
      new Set(moved.map((m) => encodeGlobalID('Connection', String(m.id)))),
    );
    const view = await mapView(api.db.pool, everywhere, 9);
    for (const m of moved) expect(view.points.some((p) => p.connectionId === m.id)).toBe(false);
  });
});

describe('network and incidents on the map', () => {
  it('places PON ports and OLTs at the centre of their customers', async () => {
    forgetPortPlaces();
    const noc = await api.as('noc');
    const res = await noc.query<{ mapPonPorts: any[]; mapOlts: any[] }>(
      `query($b: BoundingBoxInput!) { mapPonPorts(bbox: $b) { ponPortId label oltName latitude longitude onus down } mapOlts { name latitude onus } }`,
      { b: everywhere },
    );
    expect(res.errors ?? []).toEqual([]);
    const ports = res.data!.mapPonPorts;
    expect(ports.length).toBeGreaterThan(0);
    const [truth] = await q<{ id: number; lat: number; n: number }>(
      `SELECT o.pon_port_id AS id, avg(c.latitude) AS lat, count(*)::int AS n FROM onus o JOIN connections c ON c.id = o.connection_id
        WHERE c.latitude IS NOT NULL AND o.pon_port_id IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 1`,
    );
    const port = ports.find((p) => p.ponPortId === encodeGlobalID('PonPort', String(truth!.id)))!;
    expect(port.onus).toBe(truth!.n);
    expect(port.latitude).toBeCloseTo(truth!.lat, 9);
    const extent = await noc.query<{ mapExtent: { west: number; south: number; east: number; north: number } }>(
      '{ mapExtent { west south east north } }',
    );
    const [box] = await q<{ west: number; north: number }>(
      `SELECT min(longitude) AS west, max(latitude) AS north FROM connections WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND gone_at IS NULL`,
    );
    expect(extent.data!.mapExtent).toMatchObject({ west: box!.west, north: box!.north });
    expect(res.data!.mapOlts.reduce((s: number, o: { onus: number }) => s + o.onus, 0)).toBe(
      ports.reduce((s: number, p: { onus: number }) => s + p.onus, 0),
    );
  });

  it("draws an incident's area around the customers it still affects, shrinking as they recover", async () => {
    const noc = await api.as('noc');
    const port = (
      await q<{ id: number; olt_id: number }>(
        `SELECT p.id, p.olt_id FROM pon_ports p JOIN onus o ON o.pon_port_id = p.id JOIN connections c ON c.id = o.connection_id
          WHERE c.latitude IS NOT NULL GROUP BY p.id HAVING count(*) >= 6 ORDER BY p.id LIMIT 1`,
      )
    )[0]!;
    const customers = await q<{ onu: number; connection: number; lat: number; lng: number }>(
      `SELECT o.id AS onu, c.id AS connection, c.latitude AS lat, c.longitude AS lng FROM onus o JOIN connections c ON c.id = o.connection_id
        WHERE o.pon_port_id = $1 AND c.latitude IS NOT NULL ORDER BY c.longitude`,
      [port.id],
    );
    const [incident] = await q<{ id: number }>(
      `INSERT INTO incidents (kind, status, olt_id, pon_port_id, title, affected_count, opened_at, updated_at)
       VALUES ('FIBRE_CUT', 'OPEN', $1, $2, 'Corte de fibra (prueba)', $3, now(), now()) RETURNING id`,
      [port.olt_id, port.id, customers.length],
    );
    for (const c of customers) {
      await api.db.pool.query(
        `INSERT INTO incident_connections (incident_id, connection_id, onu_id, subject, affected_at) VALUES ($1, $2, $3, $4, now())`,
        [incident!.id, c.connection, c.onu, `onu:${c.onu}`],
      );
    }
    const area = async () => {
      const res = await noc.query<{
        incident: { area: { ring: { longitude: number; latitude: number }[]; located: number; unlocated: number } };
      }>(
        `{ incident(id: "${encodeGlobalID('Incident', String(incident!.id))}") { area { ring { longitude latitude } center { latitude } located unlocated } } }`,
      );
      expect(res.errors ?? []).toEqual([]);
      const a = res.data!.incident.area;
      return { ...a, ring: a.ring.map((p) => [p.longitude, p.latitude] as Position) };
    };
    const all = await area();
    expect(all.located).toBe(customers.length);
    expect(all.ring[0]).toEqual(all.ring.at(-1));
    for (const c of customers) expect(insideRing([c.lng, c.lat], all.ring)).toBe(true);
    // The western half recovers: the area keeps the eastern half only.
    const west = customers.slice(0, Math.floor(customers.length / 2));
    await api.db.pool.query(`UPDATE incident_connections SET recovered_at = now() WHERE incident_id = $1 AND connection_id = ANY($2)`, [
      incident!.id,
      west.map((c) => c.connection),
    ]);
    const rest = await area();
    expect(rest.located).toBe(customers.length - west.length);
    for (const c of customers.slice(west.length)) expect(insideRing([c.lng, c.lat], rest.ring)).toBe(true);
    expect(west.some((c) => !insideRing([c.lng, c.lat], rest.ring))).toBe(true);
  });
});

describe('map points follow the network', () => {
  it('are recomputed by the database on every change that moves or recolours a customer, and only then', async () => {
    const state = async (id: number) =>
      (await q<{ state: string; latitude: number }>(`SELECT state, latitude FROM map_points WHERE connection_id = $1`, [id]))[0];
    const [fibre] = await q<{ id: number; onu: number }>(
      `SELECT c.id, o.id AS onu FROM connections c JOIN onus o ON o.connection_id = c.id
        WHERE c.latitude IS NOT NULL AND o.status = 'ONLINE'
          AND (SELECT count(*) FROM onus x WHERE x.connection_id = c.id) = 1 ORDER BY c.id DESC LIMIT 1`,
    );
    expect((await state(fibre!.id))?.state).toBe('ONLINE');
    // A status poll marks it POWER_FAIL in a bulk update among other rows.
    await api.db.pool.query(`UPDATE onus SET status = CASE WHEN id = $1 THEN 'POWER_FAIL'::"OnuStatus" ELSE status END WHERE id <= $1`, [
      fibre!.onu,
    ]);
    expect((await state(fibre!.id))?.state).toBe('POWER_FAIL');
    // The ONU is unlinked: the connection has no ONU and no session → OFFLINE; a session starts → ONLINE.
    await api.db.pool.query(`UPDATE onus SET connection_id = NULL WHERE id = $1`, [fibre!.onu]);
    await api.db.pool.query(`DELETE FROM ppp_sessions WHERE connection_id = $1`, [fibre!.id]);
    expect((await state(fibre!.id))?.state).toBe('OFFLINE');
    const [router] = await q<{ id: number }>(`SELECT id FROM routers ORDER BY id LIMIT 1`);
    await api.db.pool.query(
      `INSERT INTO ppp_sessions (router_id, session_key, name, connection_id, started_at, observed_at, raw) VALUES ($1, 'map-test', 'map-test', $2, now(), now(), '{}')`,
      [router!.id, fibre!.id],
    );
    expect((await state(fibre!.id))?.state).toBe('ONLINE');
    // It moves, then leaves ISPCube: the point follows, then disappears.
    await api.db.pool.query(`UPDATE connections SET latitude = -31.9 WHERE id = $1`, [fibre!.id]);
    expect((await state(fibre!.id))?.latitude).toBe(-31.9);
    await api.db.pool.query(`UPDATE connections SET gone_at = now() WHERE id = $1`, [fibre!.id]);
    expect(await state(fibre!.id)).toBeUndefined();
    // Every point agrees with a recomputation from scratch.
    const [{ drift }] = (await q<{ drift: number }>(
      `WITH fresh AS (
         SELECT c.id, coalesce((SELECT (ARRAY['LOS','POWER_FAIL','OFFLINE','UNKNOWN','ONLINE'])[min(CASE o.status WHEN 'LOS' THEN 1 WHEN 'POWER_FAIL' THEN 2 WHEN 'OFFLINE' THEN 3 WHEN 'UNKNOWN' THEN 4 ELSE 5 END)]
                                  FROM onus o WHERE o.connection_id = c.id AND o.gone_at IS NULL),
                         CASE WHEN EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.connection_id = c.id) THEN 'ONLINE' ELSE 'OFFLINE' END) AS state
           FROM connections c WHERE c.gone_at IS NULL AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL)
       SELECT count(*)::int AS drift FROM fresh FULL JOIN map_points m ON m.connection_id = fresh.id WHERE m.state IS DISTINCT FROM fresh.state`,
    )) as [{ drift: number }];
    expect(drift).toBe(0);
  });
});
