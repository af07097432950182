/**
 * Traffic history from the routers' byte counters: one `/interface/print` per router per
 * five minutes (every `<pppoe-…>` interface at once, never one call per customer), rates
 * from the difference with the previous counters, written in one statement per router.
 *
 * - A cycle is claimed first (`traffic_cycles`, keyed by router and five-minute bucket): a
 *   retried or doubled job finds it claimed and writes nothing, so a sample is never stored
 *   twice; a failed read releases the claim so the retry can sample.
 * - Counters that went down (the session restarted) count from zero; an interface seen for
 *   the first time, or after a gap longer than MAX_GAP, gives no point (no invented rate).
 * - On the NAS's `<pppoe-USER>` interface `tx` is what the subscriber downloads.
 * - Hourly roll-ups (average and peak) are recomputed idempotently; old rows are pruned in
 *   batches after TRAFFIC_RETENTION_DAYS / TRAFFIC_HOURLY_RETENTION_DAYS.
 */
import type { Queryable } from '../db/sql.ts';
import type { MirroredRouter } from '../vendors/factory.ts';
import type { Services } from '../services.ts';

export const BUCKET_SECONDS = 300;
/** Longer than this since the previous counters: the rate would be an average over a gap, not a point. */
export const MAX_GAP_SECONDS = 900;
/** Shorter than this: too little time for a meaningful rate. */
export const MIN_GAP_SECONDS = 30;

export function bucketOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000);
}

export interface CycleResult {
  routerId: number;
  at: Date;
  skipped: boolean;
  interfaces: number;
  samples: number;
  tookMs: number;
}

/** The counters as read from the router: interface names and bytes. */
export interface Counters {
  names: string[];
  rx: string[];
  tx: string[];
}

export async function readCounters(s: Services, router: MirroredRouter): Promise<Counters> {
  const target = s.vendors.routerTarget(router);
  const rows = await s.vendors.routers.use(target, (conn) =>
    conn.write('/interface/print', ['=stats=', '=.proplist=name,rx-byte,tx-byte', '?type=pppoe-in']),
  );
  const out: Counters = { names: [], rx: [], tx: [] };
  for (const r of rows) {
    const name = r.name;
    if (!name || !/^\d+$/.test(r['rx-byte'] ?? '') || !/^\d+$/.test(r['tx-byte'] ?? '')) continue;
    out.names.push(name);
    out.rx.push(r['rx-byte']!);
    out.tx.push(r['tx-byte']!);
  }
  return out;
}

/**
 * Store one cycle's counters: samples for connections whose previous counters are known,
 * the new counters, the router's top talkers. One statement; returns the samples written.
 */
export async function storeCycle(
  db: Queryable,
  routerId: number,
  at: Date,
  counters: Counters,
  now = new Date(),
): Promise<{ samples: number; top: unknown[] }> {
  const res = await db.query<{ samples: number; top: unknown[] }>(
    `WITH cur AS (
       SELECT t.iface, substring(t.iface FROM '^<pppoe-(.*)>$') AS name, t.rx, t.tx
       FROM unnest($2::text[], $3::int8[], $4::int8[]) AS t(iface, rx, tx)
     ), calc AS (
       SELECT sec.connection_id,
              extract(epoch FROM $6::timestamptz - p.sampled_at) AS secs,
              CASE WHEN c.rx < p.rx_bytes OR c.tx < p.tx_bytes THEN c.tx ELSE c.tx - p.tx_bytes END AS down_bytes,
              CASE WHEN c.rx < p.rx_bytes OR c.tx < p.tx_bytes THEN c.rx ELSE c.rx - p.rx_bytes END AS up_bytes
       FROM cur c
       JOIN traffic_counters p ON p.router_id = $1 AND p.name = c.iface
       JOIN ppp_secrets sec ON sec.router_id = $1 AND sec.name = c.name AND sec.gone_at IS NULL
       WHERE sec.connection_id IS NOT NULL
     ), ins AS (
       INSERT INTO traffic_samples (connection_id, at, down_kbps, up_kbps)
       SELECT connection_id, $5, LEAST(down_bytes * 8 / secs / 1000, 2147483647)::int, LEAST(up_bytes * 8 / secs / 1000, 2147483647)::int
       FROM calc WHERE secs BETWEEN $7 AND $8
       ON CONFLICT (connection_id, at) DO NOTHING
       RETURNING connection_id, down_kbps, up_kbps
     ), counters AS (
       INSERT INTO traffic_counters (router_id, name, rx_bytes, tx_bytes, sampled_at)
       SELECT $1, iface, rx, tx, $6 FROM cur
       ON CONFLICT (router_id, name) DO UPDATE SET rx_bytes = EXCLUDED.rx_bytes, tx_bytes = EXCLUDED.tx_bytes, sampled_at = EXCLUDED.sampled_at
     ), ended AS (
       DELETE FROM traffic_counters WHERE router_id = $1 AND NOT (name = ANY($2::text[]))
     )
     SELECT (SELECT count(*)::int FROM ins) AS samples,
            COALESCE((SELECT jsonb_agg(t) FROM (
              SELECT connection_id AS "connectionId", down_kbps AS "downKbps", up_kbps AS "upKbps"
              FROM ins ORDER BY down_kbps + up_kbps DESC, connection_id LIMIT 10) t), '[]'::jsonb) AS top`,
    [routerId, counters.names, counters.rx, counters.tx, at, now, MIN_GAP_SECONDS, MAX_GAP_SECONDS],
  );
  return res.rows[0]!;
}

/** Sample one router for the bucket `now` falls in (a no-op when that bucket is already sampled). */
export async function sampleRouter(s: Services, routerId: number, now = new Date()): Promise<CycleResult> {
  const started = Date.now();
  const at = bucketOf(now);
  const claim = await s.db.pool.query('INSERT INTO traffic_cycles (router_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [routerId, at]);
  if (!claim.rowCount) return { routerId, at, skipped: true, interfaces: 0, samples: 0, tookMs: 0 };
  try {
    const router = (
      await s.db.pool.query<MirroredRouter>(
        'SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE id = $1 AND gone_at IS NULL',
        [routerId],
      )
    ).rows[0];
    if (!router) throw new Error(`router ${routerId} is not in the mirror`);
    const counters = await readCounters(s, router);
    const { samples, top } = await storeCycle(s.db.pool, routerId, at, counters, now);
    const tookMs = Date.now() - started;
    await s.db.pool.query(
      'UPDATE traffic_cycles SET sessions = $3, samples = $4, took_ms = $5, top = $6::jsonb WHERE router_id = $1 AND at = $2',
      [routerId, at, counters.names.length, samples, tookMs, JSON.stringify(top)],
    );
    return { routerId, at, skipped: false, interfaces: counters.names.length, samples, tookMs };
  } catch (error) {
    // Release the claim: a retry within the same five minutes may still sample.
    await s.db.pool.query('DELETE FROM traffic_cycles WHERE router_id = $1 AND at = $2', [routerId, at]);
    throw error;
  }
}

/** Recompute the hourly roll-up of the hours touching [from, to) (idempotent). */
export async function rollUp(db: Queryable, from: Date, to: Date): Promise<number> {
  const res = await db.query(
    `INSERT INTO traffic_hourly (connection_id, hour, down_kbps, up_kbps, down_peak_kbps, up_peak_kbps)
     SELECT connection_id, date_trunc('hour', at), round(avg(down_kbps))::int, round(avg(up_kbps))::int, max(down_kbps), max(up_kbps)
     FROM traffic_samples WHERE at >= date_trunc('hour', $1::timestamptz) AND at < $2
     GROUP BY 1, 2
     ON CONFLICT (connection_id, hour) DO UPDATE SET down_kbps = EXCLUDED.down_kbps, up_kbps = EXCLUDED.up_kbps,
       down_peak_kbps = EXCLUDED.down_peak_kbps, up_peak_kbps = EXCLUDED.up_peak_kbps`,
    [from, to],
  );
  return res.rowCount ?? 0;
}

/** Delete rows older than the retention, in batches (never one huge transaction). */
export async function prune(
  db: Queryable,
  retention: { retentionDays: number; hourlyRetentionDays: number },
  batch = 50_000,
): Promise<{ samples: number; hourly: number; cycles: number }> {
  const out = { samples: 0, hourly: 0, cycles: 0 };
  const loop = async (sql: string, days: number): Promise<number> => {
    let total = 0;
    for (;;) {
      const res = await db.query(sql, [days, batch]);
      total += res.rowCount ?? 0;
      if ((res.rowCount ?? 0) < batch) return total;
    }
  };
  out.samples = await loop(
    `DELETE FROM traffic_samples WHERE ctid = ANY(ARRAY(SELECT ctid FROM traffic_samples WHERE at < now() - make_interval(days => $1) LIMIT $2))`,
    retention.retentionDays,
  );
  out.hourly = await loop(
    `DELETE FROM traffic_hourly WHERE ctid = ANY(ARRAY(SELECT ctid FROM traffic_hourly WHERE hour < now() - make_interval(days => $1) LIMIT $2))`,
    retention.hourlyRetentionDays,
  );
  out.cycles = await loop(
    `DELETE FROM traffic_cycles WHERE ctid = ANY(ARRAY(SELECT ctid FROM traffic_cycles WHERE at < now() - make_interval(days => $1) LIMIT $2))`,
    retention.retentionDays,
  );
  return out;
}

export interface TrafficPoint {
  at: Date;
  downKbps: number;
  upKbps: number;
  downPeakKbps: number;
  upPeakKbps: number;
}

/**
 * A connection's traffic over the last `hours`: five-minute points up to 48 hours, hourly
 * beyond (roll-ups, and the hours not rolled up yet computed from the samples).
 */
export async function trafficHistory(
  db: Queryable,
  connectionId: number,
  hours: number,
): Promise<{ resolution: 'FIVE_MINUTES' | 'HOURLY'; points: TrafficPoint[] }> {
  if (hours <= 48) {
    const res = await db.query<TrafficPoint>(
      `SELECT at, down_kbps AS "downKbps", up_kbps AS "upKbps", down_kbps AS "downPeakKbps", up_kbps AS "upPeakKbps"
       FROM traffic_samples WHERE connection_id = $1 AND at >= now() - make_interval(hours => $2) ORDER BY at`,
      [connectionId, hours],
    );
    return { resolution: 'FIVE_MINUTES', points: res.rows };
  }
  const res = await db.query<TrafficPoint>(
    `WITH rolled AS (
       SELECT hour AS at, down_kbps, up_kbps, down_peak_kbps, up_peak_kbps FROM traffic_hourly
       WHERE connection_id = $1 AND hour >= now() - make_interval(hours => $2)
     ), recent AS (
       SELECT date_trunc('hour', at) AS at, round(avg(down_kbps))::int AS down_kbps, round(avg(up_kbps))::int AS up_kbps,
              max(down_kbps) AS down_peak_kbps, max(up_kbps) AS up_peak_kbps
       FROM traffic_samples WHERE connection_id = $1 AND at >= COALESCE((SELECT max(at) + interval '1 hour' FROM rolled), now() - make_interval(hours => $2))
       GROUP BY 1
     )
     SELECT at, down_kbps AS "downKbps", up_kbps AS "upKbps", down_peak_kbps AS "downPeakKbps", up_peak_kbps AS "upPeakKbps"
     FROM (SELECT * FROM rolled UNION ALL SELECT * FROM recent) x ORDER BY at`,
    [connectionId, hours],
  );
  return { resolution: 'HOURLY', points: res.rows };
}
