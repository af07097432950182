/**
 * Outage correlation, run by the worker after each committed batch of ONU status changes
 * and ended/started PPPoE sessions (syncs, polls and live session streams):
 *
 * - ONUs of one PON port going LOS together → a FIBRE_CUT incident for the port; POWER_FAIL
 *   together → a POWER_OUTAGE (another cause: mains power, not the fibre).
 * - Many sessions of one router ending together, not explained by their ONUs being down →
 *   a ROUTER_OUTAGE.
 *
 * Units that go down while their incident is open are attached to it (their status events
 * carry the incident id) instead of standing alone; units that come back are marked
 * recovered; the incident clears with hysteresis (domain/incidents.ts). Each place is
 * handled under an advisory lock, so concurrent workers never open two incidents for one
 * cut. Every change is announced on the events channel.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import {
  causeOfOnuStatus,
  clearDecision,
  incidentTitle,
  isOutage,
  type IncidentKindValue,
  type IncidentThresholds,
} from '../domain/incidents.ts';
import type { Logger } from '../logger.ts';
import { notify } from '../events/topics.ts';
import { withTransaction, type Queryable } from '../db/sql.ts';
import type { SessionChange } from '../mirror/routeros.ts';
import type { OnuStatusChange } from '../mirror/smartolt.ts';

interface OpenIncident {
  id: number;
  kind: IncidentKindValue;
  affected_count: number;
  recovered_count: number;
  recovering_since: Date | null;
}

const OPEN_SQL = `SELECT id, kind::text AS kind, affected_count, recovered_count, (details->>'recoveringSince')::timestamptz AS recovering_since
                  FROM incidents WHERE status = 'OPEN'`;

/** Re-count affected/recovered, decide on clearing, and announce. */
async function settle(tx: Queryable, incidentId: number, t: IncidentThresholds, now: Date): Promise<void> {
  const counts = (
    await tx.query<{ affected: number; recovered: number }>(
      `SELECT count(*)::int AS affected, count(recovered_at)::int AS recovered FROM incident_connections WHERE incident_id = $1`,
      [incidentId],
    )
  ).rows[0]!;
  const current = (await tx.query<OpenIncident>(`${OPEN_SQL} AND id = $1`, [incidentId])).rows[0];
  if (!current) return;
  const decision = clearDecision(counts.affected, counts.recovered, current.recovering_since, now, t);
  if (decision.action === 'clear') {
    await tx.query(
      `UPDATE incidents SET status = 'CLEARED', cleared_at = $2, duration_seconds = GREATEST(0, extract(epoch FROM $2 - opened_at))::int,
              affected_count = $3, recovered_count = $4, details = coalesce(details, '{}'::jsonb) - 'recoveringSince', updated_at = now()
       WHERE id = $1`,
      [incidentId, now, counts.affected, counts.recovered],
    );
  } else {
    const since = decision.action === 'hold' ? decision.since.toISOString() : null;
    await tx.query(
      `UPDATE incidents SET affected_count = $2, recovered_count = $3,
              details = CASE WHEN $4::text IS NULL THEN coalesce(details, '{}'::jsonb) - 'recoveringSince'
                             ELSE jsonb_set(coalesce(details, '{}'::jsonb), '{recoveringSince}', to_jsonb($4::text)) END,
              updated_at = now()
       WHERE id = $1 AND (affected_count, recovered_count, details->>'recoveringSince') IS DISTINCT FROM ($2, $3, $4::text)`,
      [incidentId, counts.affected, counts.recovered, since],
    );
  }
  await notify(tx, { t: 'incident', id: incidentId });
}

/** Open a new incident, or reopen the same kind at the same place if it cleared within the window. */
async function openOrReopen(
  tx: Queryable,
  kind: IncidentKindValue,
  place: { ponPortId?: number; oltId?: number; routerId?: number; label: string },
  openedAt: Date,
  units: number,
  details: Record<string, unknown>,
  t: IncidentThresholds,
  now: Date,
): Promise<number> {
  const recent = await tx.query<{ id: number }>(
    `SELECT id FROM incidents WHERE status = 'CLEARED' AND kind = $1::"IncidentKind"
       AND pon_port_id IS NOT DISTINCT FROM $2 AND router_id IS NOT DISTINCT FROM $3 AND cleared_at > $4
     ORDER BY cleared_at DESC LIMIT 1`,
    [kind, place.ponPortId ?? null, place.routerId ?? null, new Date(now.getTime() - t.windowSeconds * 1000)],
  );
  if (recent.rows[0]) {
    await tx.query(
      `UPDATE incidents SET status = 'OPEN', cleared_at = NULL, duration_seconds = NULL,
              details = coalesce(details, '{}'::jsonb) || jsonb_build_object('reopenedAt', $2::text) - 'recoveringSince', updated_at = now()
       WHERE id = $1`,
      [recent.rows[0].id, now.toISOString()],
    );
    // Its units are affected again.
    return recent.rows[0].id;
  }
  const res = await tx.query<{ id: number }>(
    `INSERT INTO incidents (kind, status, olt_id, pon_port_id, router_id, title, affected_count, opened_at, details, updated_at)
     VALUES ($1::"IncidentKind", 'OPEN', $2, $3, $4, $5, $6, $7, $8, now()) RETURNING id`,
    [
      kind,
      place.oltId ?? null,
      place.ponPortId ?? null,
      place.routerId ?? null,
      incidentTitle(kind, place.label, units),
      units,
      openedAt,
      JSON.stringify(details),
    ],
  );
  return res.rows[0]!.id;
}

/** Attach ONUs (down for `status`) to an incident, and their status events. */
async function attachOnus(tx: Queryable, incidentId: number, onuIds: number[], status: string, since: Date): Promise<void> {
  if (!onuIds.length) return;
  await tx.query(
    `INSERT INTO incident_connections (incident_id, connection_id, onu_id, subject, affected_at)
     SELECT $1, o.connection_id, o.id, o.serial, coalesce(o.status_changed_at, now()) FROM onus o WHERE o.id = ANY($2::int[])
     ON CONFLICT (incident_id, subject) DO UPDATE SET recovered_at = NULL, affected_at = EXCLUDED.affected_at
       WHERE incident_connections.recovered_at IS NOT NULL`,
    [incidentId, onuIds],
  );
  await tx.query(
    `UPDATE onu_status_events SET incident_id = $1
     WHERE onu_id = ANY($2::int[]) AND status = $3::"OnuStatus" AND changed_at >= $4 AND incident_id IS NULL`,
    [incidentId, onuIds, status, since],
  );
}

export async function correlateOnuChanges(db: Db, t: IncidentThresholds, changes: OnuStatusChange[], now = new Date()): Promise<number[]> {
  const touched = new Set<number>();
  const byPort = new Map<number, OnuStatusChange[]>();
  for (const c of changes) {
    if (c.ponPortId === null) continue;
    let list = byPort.get(c.ponPortId);
    if (!list) byPort.set(c.ponPortId, (list = []));
    list.push(c);
  }
  for (const [ponPortId, portChanges] of byPort) {
    const local = new Set<number>();
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:port:${ponPortId}`]);
      const open = (await tx.query<OpenIncident>(`${OPEN_SQL} AND pon_port_id = $1`, [ponPortId])).rows;
      const windowStart = new Date(now.getTime() - t.windowSeconds * 1000);

      // Units back up: recovered in whichever open incident holds them.
      const up = portChanges.filter((c) => causeOfOnuStatus(c.status) === null).map((c) => c.onuId);
      if (up.length && open.length) {
        const res = await tx.query<{ incident_id: number }>(
          `UPDATE incident_connections SET recovered_at = now()
           WHERE incident_id = ANY($1::int[]) AND onu_id = ANY($2::int[]) AND recovered_at IS NULL RETURNING incident_id`,
          [open.map((i) => i.id), up],
        );
        for (const r of res.rows) local.add(r.incident_id);
      }

      // Units down, by cause.
      for (const status of ['LOS', 'POWER_FAIL'] as const) {
        const kind = causeOfOnuStatus(status)!;
        const down = portChanges.filter((c) => c.status === status).map((c) => c.onuId);
        if (!down.length) continue;
        const existing = open.find((i) => i.kind === kind);
        if (existing) {
          await attachOnus(tx, existing.id, down, status, windowStart);
          local.add(existing.id);
          continue;
        }
        const group = (
          await tx.query<{ total: number; recent: number[]; first: Date | null; olt_id: number; label: string }>(
            `SELECT count(*)::int AS total,
                    coalesce(array_agg(o.id) FILTER (WHERE o.status = $2::"OnuStatus" AND o.status_changed_at >= $3), '{}') AS recent,
                    min(o.status_changed_at) FILTER (WHERE o.status = $2::"OnuStatus" AND o.status_changed_at >= $3) AS first,
                    pp.olt_id, ol.name || ' ' || pp.board || '/' || pp.port AS label
             FROM pon_ports pp JOIN olts ol ON ol.id = pp.olt_id
             LEFT JOIN onus o ON o.pon_port_id = pp.id AND o.gone_at IS NULL
             WHERE pp.id = $1 GROUP BY pp.olt_id, ol.name, pp.board, pp.port`,
            [ponPortId, status, windowStart],
          )
        ).rows[0];
        if (!group || !isOutage(group.recent.length, group.total, t)) continue;
        const id = await openOrReopen(
          tx,
          kind,
          { ponPortId, oltId: group.olt_id, label: group.label },
          group.first ?? now,
          group.recent.length,
          {
            ponPortUnits: group.total,
            downInWindow: group.recent.length,
            windowSeconds: t.windowSeconds,
            minUnits: t.minUnits,
            minShare: t.minShare,
          },
          t,
          now,
        );
        await attachOnus(tx, id, group.recent, status, windowStart);
        local.add(id);
      }
      for (const id of local) await settle(tx, id, t, now);
    });
    for (const id of local) touched.add(id);
  }
  return [...touched];
}

export async function correlateSessionChanges(
  db: Db,
  t: IncidentThresholds,
  changes: SessionChange[],
  now = new Date(),
): Promise<number[]> {
  const touched = new Set<number>();
  const routers = new Set(changes.map((c) => c.routerId));
  for (const routerId of routers) {
    const mine = changes.filter((c) => c.routerId === routerId);
    const local = new Set<number>();
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:router:${routerId}`]);
      const open = (await tx.query<OpenIncident>(`${OPEN_SQL} AND router_id = $1 AND kind = 'ROUTER_OUTAGE'`, [routerId])).rows[0];
      const windowStart = new Date(now.getTime() - t.windowSeconds * 1000);
      const started = mine.filter((c) => c.kind === 'started').map((c) => c.name);
      if (open && started.length) {
        await tx.query(
          `UPDATE incident_connections SET recovered_at = now() WHERE incident_id = $1 AND subject = ANY($2::text[]) AND recovered_at IS NULL`,
          [open.id, started],
        );
        local.add(open.id);
      }
      if (!mine.some((c) => c.kind === 'ended')) {
        for (const id of local) await settle(tx, id, t, now);
        return;
      }
      // Sessions that ended within the window and are not explained by their ONU being down
      // (a fibre cut also ends sessions: that is the fibre incident's, not the router's).
      const ended = (
        await tx.query<{ id: string; name: string; connection_id: number | null; ended_at: Date }>(
          `SELECT DISTINCT ON (h.name) h.id::text, h.name, h.connection_id, h.ended_at
           FROM ppp_session_history h
           LEFT JOIN onus o ON o.connection_id = h.connection_id AND o.gone_at IS NULL
           WHERE h.router_id = $1 AND h.ended_at >= $2 AND (o.id IS NULL OR o.status = 'ONLINE')
             AND NOT EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.router_id = h.router_id AND s.name = h.name)
           ORDER BY h.name, h.ended_at DESC`,
          [routerId, windowStart],
        )
      ).rows;
      let incidentId = open?.id ?? null;
      if (!incidentId) {
        const up = Number(
          (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM ppp_sessions WHERE router_id = $1', [routerId])).rows[0]!.n,
        );
        if (!isOutage(ended.length, ended.length + up, t)) {
          for (const id of local) await settle(tx, id, t, now);
          return;
        }
        const name =
          (await tx.query<{ name: string }>('SELECT name FROM routers WHERE id = $1', [routerId])).rows[0]?.name ?? `router ${routerId}`;
        // biome-ignore lint/complexity/useMathMinMax: these are Dates (Math.min would return a number)
        const first = ended.reduce((m, e) => (e.ended_at < m ? e.ended_at : m), now);
        incidentId = await openOrReopen(
          tx,
          'ROUTER_OUTAGE',
          { routerId, label: name },
          first,
          ended.length,
          { sessionsUp: up, endedInWindow: ended.length, windowSeconds: t.windowSeconds, minUnits: t.minUnits, minShare: t.minShare },
          t,
          now,
        );
      }
      const names = incidentId === open?.id ? mine.filter((c) => c.kind === 'ended').map((c) => c.name) : ended.map((e) => e.name);
      const rows = ended.filter((e) => names.includes(e.name));
      if (rows.length) {
        await tx.query(
          `INSERT INTO incident_connections (incident_id, connection_id, subject, affected_at)
           SELECT $1, x.connection_id, x.name, x.ended_at FROM unnest($2::text[], $3::int[], $4::timestamptz[]) AS x(name, connection_id, ended_at)
           ON CONFLICT (incident_id, subject) DO UPDATE SET recovered_at = NULL WHERE incident_connections.recovered_at IS NOT NULL`,
          [incidentId, rows.map((r) => r.name), rows.map((r) => r.connection_id), rows.map((r) => r.ended_at)],
        );
        await tx.query(`UPDATE ppp_session_history SET incident_id = $1 WHERE id = ANY($2::bigint[]) AND incident_id IS NULL`, [
          incidentId,
          rows.map((r) => r.id),
        ]);
      }
      local.add(incidentId);
      for (const id of local) await settle(tx, id, t, now);
    });
    for (const id of local) touched.add(id);
  }
  return [...touched];
}

/** Clear open incidents whose recovery has held long enough (run every minute). */
export async function tickIncidents(db: Db, t: IncidentThresholds, now = new Date()): Promise<void> {
  const open = (await db.pool.query<{ id: number }>(`SELECT id FROM incidents WHERE status = 'OPEN'`)).rows;
  for (const { id } of open) {
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [id]);
      await settle(tx, id, t, now);
    });
  }
}

/** The hook syncs and live streams call with what they committed. */
export function incidentCorrelator(
  db: Db,
  config: Config,
  log: Logger,
): (changes: { onus: OnuStatusChange[]; sessions: SessionChange[] }) => Promise<void> {
  return async (changes) => {
    try {
      if (changes.onus.length) await correlateOnuChanges(db, config.incidents, changes.onus);
      if (changes.sessions.length) await correlateSessionChanges(db, config.incidents, changes.sessions);
    } catch (error) {
      // Correlation must never fail the sync that fed it: the next batch or tick catches up.
      log.error({ err: error }, 'outage correlation failed');
    }
  };
}
