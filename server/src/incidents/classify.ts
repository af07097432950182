/**
 * The targeted read behind a SUSPECTED incident: after a burst of PPPoE drops on a PON
 * port, one bulk status read of that OLT (debounced, so the OLT's other ports share it)
 * tells LOS from power fail from online. The read itself is an ordinary status poll (run
 * with the outage share of the SmartOLT budget) that updates the mirror; this module then
 * judges each suspected incident of the OLT from what the mirror now holds.
 */
import type { Db } from '../db/client.ts';
import { type Queryable, withTransaction } from '../db/sql.ts';
import { classifySuspected, type SuspectEvidence } from '../domain/incidents.ts';
import { notify } from '../events/topics.ts';
import { announce, type CorrelationSettings, classifyIncident, recordIncidentEvent } from './correlate.ts';

export interface SuspectOutcome {
  incidentId: number;
  action: 'classify' | 'withdraw' | 'recheck';
  reason: string;
}

/** What the mirror says now of a suspected incident's affected units. */
async function evidenceFor(tx: Queryable, incidentId: number, read: number): Promise<SuspectEvidence & { routerId: number | null }> {
  const row = (
    await tx.query<{
      affected: number;
      los: number;
      power_fail: number;
      offline: number;
      online: number;
      without_onu: number;
      sessions_back: number;
      router_id: number | null;
    }>(
      `SELECT count(*)::int AS affected,
              count(*) FILTER (WHERE o.status = 'LOS')::int AS los,
              count(*) FILTER (WHERE o.status = 'POWER_FAIL')::int AS power_fail,
              count(*) FILTER (WHERE o.status = 'OFFLINE')::int AS offline,
              count(*) FILTER (WHERE o.status = 'ONLINE')::int AS online,
              count(*) FILTER (WHERE o.id IS NULL)::int AS without_onu,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.connection_id = ic.connection_id))::int AS sessions_back,
              mode() WITHIN GROUP (ORDER BY c.router_id) AS router_id
       FROM incident_connections ic
       LEFT JOIN onus o ON o.id = ic.onu_id
       LEFT JOIN connections c ON c.id = ic.connection_id
       WHERE ic.incident_id = $1`,
      [incidentId],
    )
  ).rows[0]!;
  return {
    affected: row.affected,
    los: row.los,
    powerFail: row.power_fail,
    offline: row.offline,
    online: row.online,
    withoutOnu: row.without_onu,
    sessionsBack: row.sessions_back,
    read,
    routerId: row.router_id,
  };
}

/**
 * Judge every SUSPECTED incident of an OLT after a targeted read observed at `observedAt`.
 * `read` is 1 for the first read, 2 for the re-check.
 */
export async function judgeSuspected(
  db: Db,
  t: CorrelationSettings,
  oltId: number,
  read: number,
  observedAt: Date,
): Promise<SuspectOutcome[]> {
  const suspects = (
    await db.pool.query<{ id: number; pon_port_id: number }>(
      `SELECT id, pon_port_id FROM incidents WHERE status = 'SUSPECTED' AND olt_id = $1 ORDER BY id`,
      [oltId],
    )
  ).rows;
  const out: SuspectOutcome[] = [];
  for (const s of suspects) {
    await withTransaction(db.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:port:${s.pon_port_id}`]);
      const still = await tx.query(`SELECT 1 FROM incidents WHERE id = $1 AND status = 'SUSPECTED'`, [s.id]);
      if (!still.rowCount) return;
      const e = await evidenceFor(tx, s.id, read);
      const verdict = classifySuspected(e, t);
      const counts = {
        LOS: e.los,
        POWER_FAIL: e.powerFail,
        OFFLINE: e.offline,
        ONLINE: e.online,
        withoutOnu: e.withoutOnu,
        sessionsBack: e.sessionsBack,
        affected: e.affected,
      };
      if (verdict.action === 'classify') {
        await classifyIncident(
          tx,
          s.id,
          verdict.kind,
          `${verdict.reason} (SmartOLT read ${read})`,
          { source: 'SMARTOLT', observedAt, counts },
          verdict.kind === 'ROUTER_OUTAGE' ? e.routerId : null,
        );
      } else if (verdict.action === 'withdraw') {
        await tx.query(
          `UPDATE incidents SET status = 'WITHDRAWN', cleared_at = now(), duration_seconds = GREATEST(0, extract(epoch FROM now() - opened_at))::int,
                  updated_at = now() WHERE id = $1`,
          [s.id],
        );
        await recordIncidentEvent(tx, s.id, 'WITHDRAWN', verdict.reason, { data: { source: 'SMARTOLT', counts }, observedAt });
        // Whoever was told it opened is told it was nothing.
        await announce(tx, s.id, 'CLEARED', 'CLEARED:withdrawn');
        await notify(tx, { t: 'incident', id: s.id });
      } else {
        await recordIncidentEvent(tx, s.id, 'EVIDENCE', verdict.reason, { data: { source: 'SMARTOLT', counts, read }, observedAt });
        await notify(tx, { t: 'incident', id: s.id });
      }
      out.push({ incidentId: s.id, action: verdict.action, reason: verdict.reason });
    });
  }
  return out;
}

/** Note on every suspected incident of an OLT that the targeted read could not be made (and why). */
export async function noteReadFailed(db: Db, oltId: number, why: string): Promise<void> {
  await withTransaction(db.pool, async (tx) => {
    const ids = (await tx.query<{ id: number }>(`SELECT id FROM incidents WHERE status = 'SUSPECTED' AND olt_id = $1`, [oltId])).rows;
    for (const { id } of ids) {
      await recordIncidentEvent(tx, id, 'EVIDENCE', `SmartOLT read failed: ${why}; the next poll will confirm`, {
        data: { source: 'SMARTOLT' },
      });
      await notify(tx, { t: 'incident', id });
    }
  });
}
