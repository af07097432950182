/**
 * Outage correlation, run by the worker after each committed batch of ONU status changes
 * and ended/started PPPoE sessions (syncs, polls and live session streams):
 *
 * - PPPoE sessions of one PON port ending together (session → connection → ONU → port)
 *   open a SUSPECTED incident at once, with the likely cause from what is known, and queue
 *   a targeted SmartOLT read of that OLT (debounced per OLT) that confirms and classifies it
 *   (classify.ts): seconds, not the next bulk poll.
 * - ONUs of one PON port going LOS together → FIBRE_CUT; POWER_FAIL together → POWER_OUTAGE
 *   (the reverse path: a poll sees it before any session drops). A SUSPECTED incident of the
 *   port is confirmed by them rather than a second one opened.
 * - Many sessions of one router ending together, not explained by their ONUs nor by an
 *   incident of their PON port → ROUTER_OUTAGE.
 *
 * Units that go down while their incident is active are attached to it; units that come
 * back are marked recovered; the incident clears with hysteresis (domain/incidents.ts).
 * Each place is handled under an advisory lock, so concurrent workers never open two
 * incidents for one cut. Every step is a timeline event, every change is announced on the
 * events channel, and what people should hear about is queued for notification.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { type Queryable, withTransaction } from '../db/sql.ts';
import {
  causeOfOnuStatus,
  clearDecision,
  grewSignificantly,
  type IncidentKindValue,
  type IncidentThresholds,
  incidentTitle,
  isOutage,
  isRouterWide,
  onuStatusOfCause,
  suspectedTitle,
  windowCovers,
} from '../domain/incidents.ts';
import type { NotificationEventValue } from '../domain/notifications.ts';
import { notify } from '../events/topics.ts';
import { addJobInTransaction } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import type { SessionChange } from '../mirror/routeros.ts';
import type { OnuStatusChange } from '../mirror/smartolt.ts';

/** What correlation needs beyond the opening thresholds. */
export interface CorrelationSettings extends IncidentThresholds {
  confirmDelaySeconds: number;
  growthFactor: number;
}

export type IncidentEventKindValue =
  | 'SUSPECTED'
  | 'CLASSIFIED'
  | 'OPENED'
  | 'WITHDRAWN'
  | 'GREW'
  | 'CLEARED'
  | 'REOPENED'
  | 'EVIDENCE'
  | 'ACKNOWLEDGED'
  | 'ASSIGNED'
  | 'NOTE'
  | 'RESOLVED'
  | 'TICKET_LINKED'
  | 'TICKETS_CLOSED'
  | 'ESCALATED'
  | 'PLANNED';

interface ActiveIncident {
  id: number;
  kind: IncidentKindValue;
  status: 'SUSPECTED' | 'OPEN';
  affected_count: number;
  recovered_count: number;
  notified_count: number;
  recovering_since: Date | null;
}

const ACTIVE_SQL = `SELECT id, kind::text AS kind, status::text AS status, affected_count, recovered_count, notified_count,
                           (details->>'recoveringSince')::timestamptz AS recovering_since
                    FROM incidents WHERE status IN ('SUSPECTED', 'OPEN')`;

/** Add an entry to an incident's timeline. */
export async function recordIncidentEvent(
  tx: Queryable,
  incidentId: number,
  kind: IncidentEventKindValue,
  body: string,
  options: { data?: Record<string, unknown>; observedAt?: Date; authorId?: number | null } = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO incident_events (incident_id, kind, author_id, body, data, observed_at) VALUES ($1, $2::"IncidentEventKind", $3, $4, $5::jsonb, $6)`,
    [
      incidentId,
      kind,
      options.authorId ?? null,
      body,
      options.data ? JSON.stringify(options.data) : null,
      options.observedAt ?? new Date(),
    ],
  );
}

/**
 * Queue the notification of an incident event (committed with the change that caused it).
 * `eventKey` names the occurrence: each recipient hears of each one once.
 */
export async function announce(tx: Queryable, incidentId: number, event: NotificationEventValue, eventKey: string): Promise<void> {
  await addJobInTransaction(
    tx,
    'notify_incident',
    { incidentId, event, eventKey },
    { jobKey: `notify:${incidentId}:${eventKey}`, maxAttempts: 10 },
  );
}

/** Re-count affected/recovered, tell people of large growth, decide on clearing, and announce. */
async function settle(tx: Queryable, incidentId: number, t: CorrelationSettings, now: Date): Promise<void> {
  const counts = (
    await tx.query<{ affected: number; recovered: number }>(
      `SELECT count(*)::int AS affected, count(recovered_at)::int AS recovered FROM incident_connections WHERE incident_id = $1`,
      [incidentId],
    )
  ).rows[0]!;
  const current = (await tx.query<ActiveIncident>(`${ACTIVE_SQL} AND id = $1`, [incidentId])).rows[0];
  if (!current) return;
  if (grewSignificantly(current.notified_count, counts.affected, t.growthFactor)) {
    await tx.query('UPDATE incidents SET notified_count = $2 WHERE id = $1', [incidentId, counts.affected]);
    await recordIncidentEvent(tx, incidentId, 'GREW', `${current.notified_count} → ${counts.affected} affected`, {
      data: { from: current.notified_count, to: counts.affected },
    });
    await announce(tx, incidentId, 'GREW', `GREW:${counts.affected}`);
  }
  const decision = clearDecision(counts.affected, counts.recovered, current.recovering_since, now, t);
  if (decision.action === 'clear') {
    const res = await tx.query<{ reopens: number }>(
      `UPDATE incidents SET status = 'CLEARED', cleared_at = $2, duration_seconds = GREATEST(0, extract(epoch FROM $2 - opened_at))::int,
              affected_count = $3, recovered_count = $4, details = coalesce(details, '{}'::jsonb) - 'recoveringSince', updated_at = now()
       WHERE id = $1 RETURNING coalesce((details->>'reopens')::int, 0) AS reopens`,
      [incidentId, now, counts.affected, counts.recovered],
    );
    await recordIncidentEvent(tx, incidentId, 'CLEARED', `${counts.recovered} of ${counts.affected} units back`, {
      data: { affected: counts.affected, recovered: counts.recovered },
    });
    await announce(tx, incidentId, 'CLEARED', `CLEARED:${res.rows[0]?.reopens ?? 0}`);
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

interface PlaceLabel {
  ponPortId?: number;
  oltId?: number;
  routerId?: number;
  label: string;
}

/** The maintenance window covering a place now, if any. */
async function coveringWindow(tx: Queryable, place: PlaceLabel, at: Date): Promise<{ id: number; title: string } | null> {
  const windows = await tx.query<{
    id: number;
    title: string;
    olt_id: number | null;
    pon_port_id: number | null;
    router_id: number | null;
    starts_at: Date;
    ends_at: Date;
  }>(
    `SELECT id, title, olt_id, pon_port_id, router_id, starts_at, ends_at FROM maintenance_windows
     WHERE cancelled_at IS NULL AND starts_at <= $1 AND ends_at > $1 ORDER BY id`,
    [at],
  );
  const where = { oltId: place.oltId ?? null, ponPortId: place.ponPortId ?? null, routerId: place.routerId ?? null };
  const w = windows.rows.find((r) =>
    windowCovers(
      { oltId: r.olt_id, ponPortId: r.pon_port_id, routerId: r.router_id, startsAt: r.starts_at, endsAt: r.ends_at, cancelled: false },
      where,
      at,
    ),
  );
  return w ? { id: w.id, title: w.title } : null;
}

/**
 * Open a new incident, or reopen the same kind at the same place if it cleared within the
 * window (a flapping splitter is one incident, not ten).
 */
async function openOrReopen(
  tx: Queryable,
  kind: IncidentKindValue,
  status: 'SUSPECTED' | 'OPEN',
  place: PlaceLabel,
  openedAt: Date,
  units: number,
  details: Record<string, unknown>,
  t: CorrelationSettings,
  now: Date,
): Promise<number> {
  const recent = await tx.query<{ id: number; reopens: number }>(
    `SELECT id, coalesce((details->>'reopens')::int, 0) AS reopens FROM incidents WHERE status = 'CLEARED' AND kind = $1::"IncidentKind"
       AND pon_port_id IS NOT DISTINCT FROM $2 AND router_id IS NOT DISTINCT FROM $3 AND cleared_at > $4 AND resolved_at IS NULL
     ORDER BY cleared_at DESC LIMIT 1`,
    [kind, place.ponPortId ?? null, place.routerId ?? null, new Date(now.getTime() - t.windowSeconds * 1000)],
  );
  if (recent.rows[0]) {
    const { id, reopens } = recent.rows[0];
    await tx.query(
      `UPDATE incidents SET status = 'OPEN', cleared_at = NULL, duration_seconds = NULL,
              details = coalesce(details, '{}'::jsonb) || jsonb_build_object('reopenedAt', $2::text, 'reopens', $3::int) - 'recoveringSince', updated_at = now()
       WHERE id = $1`,
      [id, now.toISOString(), reopens + 1],
    );
    await recordIncidentEvent(tx, id, 'REOPENED', `${units} units down again`, { data: { units }, observedAt: openedAt });
    await announce(tx, id, 'OPENED', `OPENED:${reopens + 1}`);
    return id;
  }
  const window = await coveringWindow(tx, place, now);
  const title = status === 'SUSPECTED' ? suspectedTitle(place.label, units) : incidentTitle(kind, place.label, units);
  const res = await tx.query<{ id: number }>(
    `INSERT INTO incidents (kind, status, olt_id, pon_port_id, router_id, title, affected_count, notified_count, opened_at, details,
                            classified_at, planned, maintenance_window_id, updated_at)
     VALUES ($1::"IncidentKind", $2::"IncidentStatus", $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, now()) RETURNING id`,
    [
      kind,
      status,
      place.oltId ?? null,
      place.ponPortId ?? null,
      place.routerId ?? null,
      title,
      units,
      openedAt,
      JSON.stringify(details),
      status === 'OPEN' ? now : null,
      window !== null,
      window?.id ?? null,
    ],
  );
  const id = res.rows[0]!.id;
  await recordIncidentEvent(tx, id, status === 'SUSPECTED' ? 'SUSPECTED' : 'OPENED', title, { data: details, observedAt: openedAt });
  if (window)
    await recordIncidentEvent(tx, id, 'PLANNED', `Maintenance window: ${window.title}`, { data: { maintenanceWindowId: window.id } });
  await announce(tx, id, 'OPENED', 'OPENED');
  return id;
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

/** Confirm a SUSPECTED incident as `kind` (the incident keeps its id). */
export async function classifyIncident(
  tx: Queryable,
  incidentId: number,
  kind: IncidentKindValue,
  reason: string,
  evidence: { source: 'SMARTOLT' | 'ROUTEROS'; observedAt: Date; counts: Record<string, number> },
  routerId: number | null = null,
): Promise<void> {
  const res = await tx.query<{ label: string; affected_count: number }>(
    `SELECT coalesce(ol.name || ' ' || pp.board || '/' || pp.port, r.name, i.title) AS label, i.affected_count
     FROM incidents i LEFT JOIN pon_ports pp ON pp.id = i.pon_port_id LEFT JOIN olts ol ON ol.id = pp.olt_id
     LEFT JOIN routers r ON r.id = coalesce($2, i.router_id) WHERE i.id = $1`,
    [incidentId, routerId],
  );
  const row = res.rows[0]!;
  await tx.query(
    `UPDATE incidents SET kind = $2::"IncidentKind", status = 'OPEN', classified_at = now(), title = $3,
            router_id = coalesce($4, router_id), updated_at = now() WHERE id = $1 AND status = 'SUSPECTED'`,
    [incidentId, kind, incidentTitle(kind, row.label, row.affected_count), routerId],
  );
  await recordIncidentEvent(tx, incidentId, 'CLASSIFIED', reason, {
    data: { kind, source: evidence.source, counts: evidence.counts },
    observedAt: evidence.observedAt,
  });
  await announce(tx, incidentId, 'CLASSIFIED', 'CLASSIFIED');
  await notify(tx, { t: 'incident', id: incidentId });
}

export async function correlateOnuChanges(db: Db, t: CorrelationSettings, changes: OnuStatusChange[], now = new Date()): Promise<number[]> {
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
      const active = (await tx.query<ActiveIncident>(`${ACTIVE_SQL} AND pon_port_id = $1`, [ponPortId])).rows;
      const windowStart = new Date(now.getTime() - t.windowSeconds * 1000);

      // Units back up: recovered in whichever confirmed incident holds them.
      const up = portChanges.filter((c) => causeOfOnuStatus(c.status) === null).map((c) => c.onuId);
      const confirmed = active.filter((i) => i.status === 'OPEN');
      if (up.length && confirmed.length) {
        const res = await tx.query<{ incident_id: number }>(
          `UPDATE incident_connections SET recovered_at = now()
           WHERE incident_id = ANY($1::int[]) AND onu_id = ANY($2::int[]) AND recovered_at IS NULL RETURNING incident_id`,
          [confirmed.map((i) => i.id), up],
        );
        for (const r of res.rows) local.add(r.incident_id);
      }

      // Units down, by cause.
      for (const status of ['LOS', 'POWER_FAIL'] as const) {
        const kind = causeOfOnuStatus(status)!;
        const down = portChanges.filter((c) => c.status === status);
        if (!down.length) continue;
        const existing = active.find((i) => i.status === 'OPEN' && i.kind === kind);
        if (existing) {
          await attachOnus(
            tx,
            existing.id,
            down.map((c) => c.onuId),
            status,
            windowStart,
          );
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
        if (!group) continue;
        // The PPPoE drops got here first: the poll confirms the port's suspected incident.
        const suspected = active.find((i) => i.status === 'SUSPECTED');
        if (suspected && isOutage(group.recent.length, group.total, { minUnits: 1, minShare: 0 })) {
          await classifyIncident(tx, suspected.id, kind, `${group.recent.length} of ${group.total} ONUs of the port in ${status}`, {
            source: 'SMARTOLT',
            observedAt: new Date(down[0]!.changedAt),
            counts: { [status]: group.recent.length, total: group.total },
          });
          suspected.status = 'OPEN';
          suspected.kind = kind;
          await attachOnus(tx, suspected.id, group.recent, status, windowStart);
          local.add(suspected.id);
          continue;
        }
        if (!isOutage(group.recent.length, group.total, t)) continue;
        const id = await openOrReopen(
          tx,
          kind,
          'OPEN',
          { ponPortId, oltId: group.olt_id, label: group.label },
          group.first ?? now,
          group.recent.length,
          {
            ponPortUnits: group.total,
            downInWindow: group.recent.length,
            windowSeconds: t.windowSeconds,
            minUnits: t.minUnits,
            minShare: t.minShare,
            source: 'SMARTOLT',
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

/** The likely cause of many drops on one port, from what the mirror knows before any new reading. */
function likelyCause(
  onuStates: Record<string, number>,
  reasons: Record<string, number>,
  routerReachable: boolean,
): {
  kind: IncidentKindValue;
  why: string;
} {
  if (!routerReachable) return { kind: 'ROUTER_OUTAGE', why: 'the router itself is not answering' };
  const planned = (reasons['admin-disconnect'] ?? 0) + (reasons['nas-request'] ?? 0);
  const total = Object.values(reasons).reduce((a, b) => a + b, 0);
  if (total > 0 && planned / total >= 0.5)
    return { kind: 'ROUTER_OUTAGE', why: 'the router ended the sessions itself (admin/NAS request)' };
  if ((onuStates.POWER_FAIL ?? 0) > (onuStates.LOS ?? 0)) return { kind: 'POWER_OUTAGE', why: 'ONUs last reported power fail' };
  return { kind: 'FIBRE_CUT', why: 'sessions of one PON port dropped together (a cut is the usual cause); confirming with SmartOLT' };
}

/**
 * PPPoE sessions ending per PON port: attach them to the port's active incident, or open a
 * SUSPECTED one when enough of the port dropped within the window, and queue the targeted
 * read that classifies it.
 */
async function correlatePortDrops(
  db: Db,
  t: CorrelationSettings,
  changes: SessionChange[],
  now: Date,
  touched: Set<number>,
): Promise<void> {
  const connectionIds = [...new Set(changes.flatMap((c) => (c.connectionId === null ? [] : [c.connectionId])))];
  if (!connectionIds.length) return;
  const ports = (
    await db.pool.query<{ pon_port_id: number }>(
      `SELECT DISTINCT pon_port_id FROM onus WHERE connection_id = ANY($1::int[]) AND gone_at IS NULL AND pon_port_id IS NOT NULL`,
      [connectionIds],
    )
  ).rows.map((r) => r.pon_port_id);
  const windowStart = new Date(now.getTime() - t.windowSeconds * 1000);
  for (const ponPortId of ports) {
    const local = new Set<number>();
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:port:${ponPortId}`]);
      const active = (await tx.query<ActiveIncident>(`${ACTIVE_SQL} AND pon_port_id = $1`, [ponPortId])).rows;
      // Sessions of this port's connections: which are back, which ended within the window and stay down.
      const port = (
        await tx.query<{ olt_id: number; label: string; total: number; router_reachable: boolean | null }>(
          `SELECT pp.olt_id, ol.name || ' ' || pp.board || '/' || pp.port AS label,
                  (SELECT count(*)::int FROM onus o WHERE o.pon_port_id = pp.id AND o.gone_at IS NULL) AS total,
                  (SELECT bool_and(r.reachable IS NOT FALSE) FROM onus o JOIN connections c ON c.id = o.connection_id
                     JOIN routers r ON r.id = c.router_id WHERE o.pon_port_id = pp.id) AS router_reachable
           FROM pon_ports pp JOIN olts ol ON ol.id = pp.olt_id WHERE pp.id = $1`,
          [ponPortId],
        )
      ).rows[0];
      if (!port) return;
      const drops = (
        await tx.query<{
          connection_id: number;
          onu_id: number;
          serial: string;
          onu_status: string;
          ended_at: Date;
          reason: string | null;
        }>(
          `SELECT DISTINCT ON (o.id) o.connection_id, o.id AS onu_id, o.serial, o.status::text AS onu_status, h.ended_at, h.disconnect_reason AS reason
           FROM onus o JOIN ppp_session_history h ON h.connection_id = o.connection_id
           WHERE o.pon_port_id = $1 AND o.gone_at IS NULL AND h.ended_at >= $2
             AND NOT EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.connection_id = o.connection_id)
             AND NOT EXISTS (SELECT 1 FROM incident_connections ic JOIN incidents i ON i.id = ic.incident_id
                             WHERE ic.connection_id = o.connection_id AND ic.recovered_at IS NULL AND i.pon_port_id IS NULL
                               AND i.kind = 'ROUTER_OUTAGE' AND i.status IN ('SUSPECTED', 'OPEN'))
           ORDER BY o.id, h.ended_at DESC`,
          [ponPortId, windowStart],
        )
      ).rows;

      // Sessions back: recovered in the port's suspected (session-tracked) incident.
      const suspected = active.find((i) => i.status === 'SUSPECTED');
      const startedConnections = changes.filter((c) => c.kind === 'started' && c.connectionId !== null).map((c) => c.connectionId!);
      if (suspected && startedConnections.length) {
        const res = await tx.query(
          `UPDATE incident_connections SET recovered_at = now() WHERE incident_id = $1 AND connection_id = ANY($2::int[]) AND recovered_at IS NULL`,
          [suspected.id, startedConnections],
        );
        if (res.rowCount) local.add(suspected.id);
      }
      // A confirmed fibre or power incident holds the units SmartOLT saw down for its cause;
      // a session of the port that dropped for another reason (an ONU switched off) is not its.
      const confirmed = active.find((i) => i.status === 'OPEN');
      const cause = confirmed ? onuStatusOfCause(confirmed.kind) : null;
      const own = cause ? drops.filter((d) => d.onu_status === cause) : drops;
      if (!own.length) {
        for (const id of local) await settle(tx, id, t, now);
        return;
      }

      let incidentId = active[0]?.id ?? null;
      if (incidentId === null) {
        if (!isOutage(own.length, port.total, t)) return;
        const states: Record<string, number> = {};
        const reasons: Record<string, number> = {};
        for (const d of own) {
          states[d.onu_status] = (states[d.onu_status] ?? 0) + 1;
          if (d.reason) reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
        }
        const likely = likelyCause(states, reasons, port.router_reachable !== false);
        // biome-ignore lint/complexity/useMathMinMax: these are Dates (Math.min would return a number)
        const first = own.reduce((m, d) => (d.ended_at < m ? d.ended_at : m), now);
        incidentId = await openOrReopen(
          tx,
          likely.kind,
          'SUSPECTED',
          { ponPortId, oltId: port.olt_id, label: port.label },
          first,
          own.length,
          {
            source: 'ROUTEROS',
            ponPortUnits: port.total,
            sessionsDownInWindow: own.length,
            lastKnownOnuStates: states,
            disconnectReasons: reasons,
            routerReachable: port.router_reachable !== false,
            likely: likely.why,
            windowSeconds: t.windowSeconds,
          },
          t,
          now,
        );
        // Ask SmartOLT now (debounced: the OLT's other ports dropping in the same seconds share the read).
        await addJobInTransaction(
          tx,
          'classify_outage',
          { oltId: port.olt_id, read: 1 },
          {
            jobKey: `classify:olt:${port.olt_id}`,
            runAt: new Date(now.getTime() + t.confirmDelaySeconds * 1000),
            urgent: true,
            maxAttempts: 5,
          },
        );
      }
      await tx.query(
        `INSERT INTO incident_connections (incident_id, connection_id, onu_id, subject, affected_at)
         SELECT $1, x.connection_id, x.onu_id, x.serial, x.ended_at
         FROM unnest($2::int[], $3::int[], $4::text[], $5::timestamptz[]) AS x(connection_id, onu_id, serial, ended_at)
         ON CONFLICT (incident_id, subject) DO UPDATE SET recovered_at = NULL WHERE incident_connections.recovered_at IS NOT NULL`,
        [incidentId, own.map((d) => d.connection_id), own.map((d) => d.onu_id), own.map((d) => d.serial), own.map((d) => d.ended_at)],
      );
      await tx.query(
        `UPDATE ppp_session_history SET incident_id = $1 WHERE connection_id = ANY($2::int[]) AND ended_at >= $3 AND incident_id IS NULL`,
        [incidentId, own.map((d) => d.connection_id), windowStart],
      );
      local.add(incidentId);
      for (const id of local) await settle(tx, id, t, now);
    });
    for (const id of local) touched.add(id);
  }
}

export async function correlateSessionChanges(
  db: Db,
  t: CorrelationSettings,
  changes: SessionChange[],
  now = new Date(),
): Promise<number[]> {
  const touched = new Set<number>();
  // The router's own outage first: its sessions are then not taken for a cut of each port.
  await correlateRouterDrops(db, t, changes, now, touched);
  await correlatePortDrops(db, t, changes, now, touched);
  return [...touched];
}

/**
 * Many sessions of one router ending together, not explained by their ONUs nor by an
 * incident of their PON port, and shaped like the router's own failure (isRouterWide) →
 * ROUTER_OUTAGE; sessions returning are marked recovered.
 */
async function correlateRouterDrops(
  db: Db,
  t: CorrelationSettings,
  changes: SessionChange[],
  now: Date,
  touched: Set<number>,
): Promise<void> {
  const routers = new Set(changes.map((c) => c.routerId));
  for (const routerId of routers) {
    const mine = changes.filter((c) => c.routerId === routerId);
    const local = new Set<number>();
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:router:${routerId}`]);
      const open = (
        await tx.query<ActiveIncident>(`${ACTIVE_SQL} AND router_id = $1 AND kind = 'ROUTER_OUTAGE' AND pon_port_id IS NULL`, [routerId])
      ).rows[0];
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
      // nor by an active incident of their PON port that holds them (a fibre cut ends sessions too).
      const ended = (
        await tx.query<{
          id: string;
          name: string;
          connection_id: number | null;
          ended_at: Date;
          pon_port_id: number | null;
          olt_id: number | null;
          reason: string | null;
        }>(
          `SELECT DISTINCT ON (h.name) h.id::text, h.name, h.connection_id, h.ended_at, o.pon_port_id, pp.olt_id, h.disconnect_reason AS reason
           FROM ppp_session_history h
           LEFT JOIN onus o ON o.connection_id = h.connection_id AND o.gone_at IS NULL
           LEFT JOIN pon_ports pp ON pp.id = o.pon_port_id
           WHERE h.router_id = $1 AND h.ended_at >= $2 AND (o.id IS NULL OR o.status = 'ONLINE') AND (h.incident_id IS NULL OR h.incident_id = $3)
             AND NOT EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.router_id = h.router_id AND s.name = h.name)
             AND NOT EXISTS (SELECT 1 FROM incident_connections ic JOIN incidents i ON i.id = ic.incident_id
                             WHERE ic.connection_id = h.connection_id AND ic.recovered_at IS NULL AND i.pon_port_id IS NOT NULL
                               AND i.status IN ('SUSPECTED', 'OPEN'))
           ORDER BY h.name, h.ended_at DESC`,
          [routerId, windowStart, open?.id ?? 0],
        )
      ).rows;
      let incidentId = open?.id ?? null;
      if (!incidentId) {
        const router = (
          await tx.query<{ name: string; reachable: boolean | null; up: number }>(
            `SELECT name, reachable, (SELECT count(*)::int FROM ppp_sessions WHERE router_id = $1) AS up FROM routers WHERE id = $1`,
            [routerId],
          )
        ).rows[0];
        const up = router?.up ?? 0;
        const perPort = new Map<number, number>();
        for (const e of ended) if (e.pon_port_id !== null) perPort.set(e.pon_port_id, (perPort.get(e.pon_port_id) ?? 0) + 1);
        const shape = {
          ended: ended.length,
          withoutOnu: ended.filter((e) => e.pon_port_id === null).length,
          olts: new Set(ended.flatMap((e) => (e.olt_id === null ? [] : [e.olt_id]))).size,
          ports: perPort.size,
          largestPort: Math.max(0, ...perPort.values()),
          routerInitiated: ended.filter((e) => e.reason === 'admin-disconnect' || e.reason === 'nas-request').length,
          reachable: router?.reachable !== false,
        };
        if (!isOutage(ended.length, ended.length + up, t) || !isRouterWide(shape)) {
          for (const id of local) await settle(tx, id, t, now);
          return;
        }
        // biome-ignore lint/complexity/useMathMinMax: these are Dates (Math.min would return a number)
        const first = ended.reduce((m, e) => (e.ended_at < m ? e.ended_at : m), now);
        incidentId = await openOrReopen(
          tx,
          'ROUTER_OUTAGE',
          'OPEN',
          { routerId, label: router?.name ?? `router ${routerId}` },
          first,
          ended.length,
          {
            sessionsUp: up,
            endedInWindow: ended.length,
            shape,
            windowSeconds: t.windowSeconds,
            minUnits: t.minUnits,
            minShare: t.minShare,
            source: 'ROUTEROS',
          },
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
}

/** Clear active incidents whose recovery has held long enough (run every minute). */
export async function tickIncidents(db: Db, t: CorrelationSettings, now = new Date()): Promise<void> {
  const active = (await db.pool.query<{ id: number }>(`SELECT id FROM incidents WHERE status IN ('SUSPECTED', 'OPEN')`)).rows;
  for (const { id } of active) {
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [id]);
      await settle(tx, id, t, now);
    });
  }
}

/** Correlation settings from configuration. */
export function correlationSettings(config: Config): CorrelationSettings {
  return { ...config.incidents };
}

/** The hook syncs and live streams call with what they committed. */
export function incidentCorrelator(
  db: Db,
  config: Config,
  log: Logger,
): (changes: { onus: OnuStatusChange[]; sessions: SessionChange[] }) => Promise<void> {
  const t = correlationSettings(config);
  return async (changes) => {
    try {
      if (changes.onus.length) await correlateOnuChanges(db, t, changes.onus);
      if (changes.sessions.length) await correlateSessionChanges(db, t, changes.sessions);
    } catch (error) {
      // Correlation must never fail the sync that fed it: the next batch or tick catches up.
      log.error({ err: error }, 'outage correlation failed');
    }
  };
}
